using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.LoadTest;

/// <summary>
/// `nm-loadtest claims-memory`: memory of the classification service as deployed (its own process, built output) with
/// many active claims. Starts the service with the in-memory store, reads its resident set idle, after creating the
/// claims over gRPC, and after classifying articles against all of them: published on RabbitMQ in batches as ingest
/// publishes them (with --rabbitmq; the path every article takes), or else with ClassifyText, whose answer lists every
/// claim, unrelated ones included, so that 10,000 claims make each response 10,000 entries long.
/// </summary>
public static class ClaimsMemoryCommand
{
    public static Command Build()
    {
        var claims = new Option<int>("--claims") { Description = "Active claims to create", DefaultValueFactory = _ => 10_000 };
        var articles = new Option<int>("--articles") { Description = "Articles classified against every claim", DefaultValueFactory = _ => 500 };
        var classifier = new Option<string>("--classifier") { Description = "Rules or Model", DefaultValueFactory = _ => "Rules" };
        var service = new Option<FileInfo?>("--service")
        {
            Description = "The classification service's built DLL (default: services/NarrativeMonitor.Classification/bin/Release/net10.0 of this checkout)",
        };
        var rabbit = new Option<string?>("--rabbitmq")
        {
            Description = "AMQP URI: the service consumes the articles from RabbitMQ, as deployed (without it: ClassifyText over gRPC)",
        };
        var command = new Command("claims-memory", "Resident memory of the classification service process with many active claims.")
        {
            claims, articles, classifier, service, rabbit,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var dll = parse.GetValue(service)?.FullName ?? DefaultServicePath();
            if (dll is null || !File.Exists(dll))
            {
                await Console.Error.WriteLineAsync(
                    "claims-memory: the classification service is not built; run `dotnet build services/NarrativeMonitor.Classification -c Release` or pass --service");
                return 2;
            }

            return await RunAsync(dll, parse.GetValue(claims), parse.GetValue(articles), parse.GetValue(classifier)!, parse.GetValue(rabbit), cancellationToken);
        });
        return command;
    }

    private static async Task<int> RunAsync(string dll, int claimCount, int articleCount, string classifier, string? rabbitMq, CancellationToken cancellationToken)
    {
        var entityPrefix = "mem" + Guid.NewGuid().ToString("N")[..8];
        var grpcPort = NarrativeMonitor.Cli.EmbeddedHost.FreePort();
        var httpPort = NarrativeMonitor.Cli.EmbeddedHost.FreePort();
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        foreach (var argument in new[]
        {
            dll,
            $"--Kestrel:Endpoints:Grpc:Url=http://127.0.0.1:{grpcPort}",
            // appsettings.json is not in bin/ (see the service's csproj), so the endpoint's protocol is given here.
            "--Kestrel:Endpoints:Grpc:Protocols=Http2",
            $"--Kestrel:Endpoints:Http:Url=http://127.0.0.1:{httpPort}",
            "--Storage:Provider=InMemory",
            $"--Classification:Classifier={classifier}",
            "--Auth:Mode=Open",
            "--Logging:LogLevel:Default=Warning",
        })
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var argument in rabbitMq is null
            ? ["--Messaging:Transport=InMemory"]
            : new[] { "--Messaging:Transport=RabbitMq", $"--Messaging:RabbitMqUri={rabbitMq}", $"--Messaging:EntityPrefix={entityPrefix}" })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start dotnet");
        _ = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        try
        {
            await WaitHealthyAsync(httpPort, process, cancellationToken);
            using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            var client = new ClassificationService.ClassificationServiceClient(channel);
            var corpus = new SyntheticCorpus(42, "mem", claimCount);

            var idle = Memory(process);
            var created = Stopwatch.StartNew();
            await Parallel.ForEachAsync(corpus.Claims, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (claim, ct) =>
                await client.CreateClaimAsync(new CreateClaimRequest
                {
                    Claim = new Claim
                    {
                        Id = claim.Id,
                        Statement = claim.Statement,
                        Topic = claim.Topic,
                        Keywords = { claim.Keywords },
                        TopicKeywords = { claim.TopicKeywords },
                    },
                }, cancellationToken: ct));
            created.Stop();

            // The first ClassifyText prepares every active claim; its time is the cost of a claim-set change.
            var prepared = Stopwatch.StartNew();
            await ClassifyAsync(client, corpus, 0, cancellationToken);
            prepared.Stop();
            var withClaims = Memory(process);

            var classified = Stopwatch.StartNew();
            var results = rabbitMq is null
                ? await ClassifyTextAsync(client, corpus, articleCount, cancellationToken)
                : await PublishAndAwaitAsync(rabbitMq, entityPrefix, corpus, articleCount, cancellationToken);
            classified.Stop();
            var after = Memory(process);

            var perSecond = articleCount / classified.Elapsed.TotalSeconds;
            var path = rabbitMq is null ? "ClassifyText" : "RabbitMQ";
            Console.WriteLine($"classification service ({classifier}), {claimCount:N0} active claims, {articleCount:N0} articles via {path}");
            Console.WriteLine($"  resident memory idle                 {idle.Rss,8:N0} MB");
            Console.WriteLine($"  resident memory with the claims      {withClaims.Rss,8:N0} MB (claims created in {created.Elapsed.TotalSeconds:N1} s, prepared in {prepared.Elapsed.TotalSeconds:N2} s)");
            Console.WriteLine($"  resident memory after classifying    {after.Rss,8:N0} MB");
            Console.WriteLine($"  peak resident memory                 {after.Peak,8:N0} MB");
            Console.WriteLine($"  articles classified per second       {perSecond,8:N0} ({results:N0} stances)");
            Console.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["classifier"] = classifier,
                ["path"] = path,
                ["claims"] = claimCount,
                ["articles"] = articleCount,
                ["rss_idle_mb"] = idle.Rss,
                ["rss_with_claims_mb"] = withClaims.Rss,
                ["rss_after_mb"] = after.Rss,
                ["peak_rss_mb"] = after.Peak,
                ["articles_per_second"] = Math.Round(perSecond, 1),
            }));
            return 0;
        }
        catch (Exception ex) when (ex is RpcException or TimeoutException or HttpRequestException)
        {
            await Console.Error.WriteLineAsync($"claims-memory: {ex.Message}");
            if (process.HasExited)
            {
                await Console.Error.WriteLineAsync(await errors);
            }

            return 1;
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }
        }
    }

    private static async Task<int> ClassifyTextAsync(ClassificationService.ClassificationServiceClient client, SyntheticCorpus corpus, int articleCount, CancellationToken cancellationToken)
    {
        var results = 0;
        for (var i = 1; i <= articleCount; i++)
        {
            results += await ClassifyAsync(client, corpus, i, cancellationToken);
        }

        return results;
    }

    /// <summary>Publishes the articles as ingest does (batches of 100) and waits until all are classified.</summary>
    private static async Task<int> PublishAndAwaitAsync(string rabbitMq, string entityPrefix, SyntheticCorpus corpus, int articleCount, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messaging:Transport"] = "RabbitMq",
            ["Messaging:RabbitMqUri"] = rabbitMq,
            ["Messaging:EntityPrefix"] = entityPrefix,
        });
        var counter = new ClassifiedCounter();
        builder.Services.AddSingleton(counter);
        builder.AddMessaging(bus => bus.AddConsumer<ClassifiedCounterConsumer, ClassifiedCounterDefinition>());
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            var bus = host.Services.GetRequiredService<IBus>();
            var now = DateTimeOffset.UtcNow;
            for (var from = 1; from <= articleCount; from += 100)
            {
                var batch = Enumerable.Range(from, Math.Min(100, articleCount - from + 1)).Select(i =>
                {
                    var article = corpus.Article(i).Request.Article;
                    return new ArticleIngested
                    {
                        ArticleId = article.Id,
                        SourceId = article.SourceId,
                        SourceKind = SourceKind.Wire,
                        Url = article.Url,
                        PublishedAt = article.PublishedAt.ToDateTimeOffset(),
                        Title = article.Title,
                        Body = article.Body,
                        Language = "en",
                        ContentHash = article.Id,
                        IngestedAt = now,
                    };
                }).ToArray();
                await bus.Publish(new ArticleBatchIngested { Articles = batch }, cancellationToken);
            }

            var deadline = Stopwatch.StartNew();
            while (counter.Articles < articleCount)
            {
                if (deadline.Elapsed > TimeSpan.FromMinutes(10))
                {
                    throw new TimeoutException($"{counter.Articles} of {articleCount} articles classified after 10 minutes");
                }

                await Task.Delay(100, cancellationToken);
            }

            return counter.Results;
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<int> ClassifyAsync(ClassificationService.ClassificationServiceClient client, SyntheticCorpus corpus, int index, CancellationToken cancellationToken)
    {
        var article = corpus.Article(index).Request.Article;
        var response = await client.ClassifyTextAsync(new ClassifyTextRequest { Title = article.Title, Body = article.Body, Language = "en" },
            cancellationToken: cancellationToken);
        return response.Results.Count;
    }

    private static async Task WaitHealthyAsync(int httpPort, Process process, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new TimeoutException($"the service exited with code {process.ExitCode}");
            }

            try
            {
                if ((await http.GetAsync(new Uri($"http://127.0.0.1:{httpPort}/health"), cancellationToken)).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                // A request timed out while the service starts.
            }

            await Task.Delay(250, cancellationToken);
        }

        throw new TimeoutException("the service did not become healthy within 60 s");
    }

    /// <summary>Resident set and its peak (VmRSS, VmHWM) from /proc, in MB.</summary>
    private static (long Rss, long Peak) Memory(Process process)
    {
        long rss = 0, peak = 0;
        foreach (var line in File.ReadLines($"/proc/{process.Id}/status"))
        {
            if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
            {
                rss = Kilobytes(line) / 1024;
            }
            else if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
            {
                peak = Kilobytes(line) / 1024;
            }
        }

        return (rss, peak);
    }

    private static long Kilobytes(string line) =>
        long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static string? DefaultServicePath()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NarrativeMonitor.sln")))
            {
                return Path.Combine(dir.FullName, "services", "NarrativeMonitor.Classification", "bin", "Release", "net10.0", "NarrativeMonitor.Classification.dll");
            }
        }

        return null;
    }
}

public sealed class ClassifiedCounter
{
    private int _articles;
    private int _results;

    public int Articles => Volatile.Read(ref _articles);

    public int Results => Volatile.Read(ref _results);

    public void Add(ArticleClassified article)
    {
        Interlocked.Increment(ref _articles);
        Interlocked.Add(ref _results, article.Results.Count);
    }
}

public sealed class ClassifiedCounterConsumer(ClassifiedCounter counter) : IConsumer<ArticleBatchClassified>, IConsumer<ArticleClassified>
{
    public Task Consume(ConsumeContext<ArticleBatchClassified> context)
    {
        foreach (var article in context.Message.Articles)
        {
            counter.Add(article);
        }

        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ArticleClassified> context)
    {
        counter.Add(context.Message);
        return Task.CompletedTask;
    }
}

public sealed class ClassifiedCounterDefinition : ConsumerDefinition<ClassifiedCounterConsumer>
{
    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ClassifiedCounterConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            // The run's own queue; the broker drops it once the run has gone.
            rabbit.QueueExpiration = TimeSpan.FromMinutes(10);
        }
    }
}
