using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Cli.Client;
using NarrativeMonitor.Cli.Replay;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;
using NarrativeMonitor.ServiceDefaults.Security;
using NarrativeMonitor.StanceModel;

namespace NarrativeMonitor.Cli;

public static class CliCommands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("NarrativeMonitor: finds where state media deny, deflect or omit confirmed facts.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Replay());
        root.Subcommands.Add(DevToken());
        foreach (var client in new[] { SourceCommands.Build(), FeedCommands.Build(), ClaimCommands.Build(), IngestCommand.Build(), AlertCommands.Build(), TimelineCommand.Build() })
        {
            root.Subcommands.Add(client);
        }

        root.Subcommands.Add(DomainStageCommands.EvaluateCorpus());
        root.Subcommands.Add(DomainStageCommands.Train());
        root.Subcommands.Add(StanceModelCommands.Train());
        root.Subcommands.Add(StanceModelCommands.Evaluate());
        root.Subcommands.Add(ErrorQueueCommands.Build());
        return root;
    }

    /// <summary>Parses and runs a command line; a command line that does not parse exits with <see cref="ExitCodes.Usage"/>.</summary>
    public static async Task<int> RunAsync(string[] args, InvocationConfiguration? configuration = null, CancellationToken cancellationToken = default)
    {
        var parse = Build().Parse(args);
        var exitCode = await parse.InvokeAsync(configuration, cancellationToken);
        return parse.Errors.Count > 0 ? ExitCodes.Usage : exitCode;
    }

    private static Command Serve()
    {
        var command = new Command("serve", "Runs ingest, classification and alert in one process with embedded defaults " +
            "(in-memory transport and store; gRPC on http://127.0.0.1:5001, the dashboard and /health on http://127.0.0.1:5000). " +
            "Configuration keys override the defaults, e.g. --Storage:Provider=Redis --Messaging:Transport=RabbitMq.");
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(async (parse, cancellationToken) =>
        {
            var app = EmbeddedHost.Build([.. parse.UnmatchedTokens]);
            await app.RunAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    private static Command Replay()
    {
        var corpus = new Argument<DirectoryInfo>("corpus-dir") { Description = "Corpus folder: sources.json, claims.json, articles.jsonl" };
        var output = new Option<FileInfo?>("--out") { Description = "Write the alerts here as JSON lines" };
        var expected = new Option<FileInfo?>("--expected") { Description = "Compare the alerts with these expected alerts (expected-alerts.json): precision, recall, timing error" };
        var rules = new Option<string[]>("--rule") { Description = RuleOverrides.Help + "; overrides every claim's own rules for this replay" };
        var labels = new Option<bool>("--labels") { Description = "Classify with the corpus's hand labels (labels.jsonl) instead of the classifier: evaluates the rules alone (embedded only)" };
        var json = new Option<bool>("--json") { Description = "Write one JSON document: counts, errors, alerts and the evaluation" };
        var ingest = new Option<string?>("--ingest") { Description = "gRPC address of a running ingest service (distributed replay)" };
        var classification = new Option<string?>("--classification") { Description = "gRPC address of a running classification service" };
        var alerts = new Option<string?>("--alerts") { Description = "gRPC address of a running alert service" };
        var rabbit = new Option<string?>("--rabbitmq") { Description = "AMQP URI of the deployment's broker, to follow evaluations" };
        var prefix = new Option<string>("--entity-prefix") { Description = "The deployment's Messaging:EntityPrefix", DefaultValueFactory = _ => "" };
        var security = new ClientSecurityOptions();

        var command = new Command("replay", "Feeds a corpus through the pipeline in published-time order, prints its alerts " +
            "and writes them as JSON lines; with --expected, scores them against hand-labelled expected alerts. Without service " +
            "addresses the pipeline runs embedded in this process.")
        {
            corpus, output, expected, rules, labels, json, ingest, classification, alerts, rabbit, prefix,
        };
        security.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var stdout = parse.InvocationConfiguration.Output;
            var stderr = parse.InvocationConfiguration.Error;
            Corpus loaded;
            RuleOverrides overrides;
            IReadOnlyList<ExpectedAlert>? expectedAlerts;
            IStanceClassifier? labelled = null;
            try
            {
                var directory = parse.GetValue(corpus)!.FullName;
                loaded = Corpus.Load(directory);
                overrides = RuleOverrides.Parse(parse.GetValue(rules) ?? []);
                if (!overrides.IsEmpty)
                {
                    loaded = loaded with { Claims = [.. loaded.Claims.Select(c => c with { Rules = overrides.Apply(c.Rules) })] };
                }

                expectedAlerts = parse.GetValue(expected) is { } file ? ExpectedAlert.Load(file.FullName) : null;
                if (parse.GetValue(labels))
                {
                    labelled = new LabelledStanceClassifier(loaded, Path.Combine(directory, "labels.jsonl"));
                }
            }
            catch (Exception ex) when (ex is CorpusException or UsageException)
            {
                await stderr.WriteLineAsync(ex.Message);
                return ExitCodes.Usage;
            }

            var addresses = new[] { parse.GetValue(ingest), parse.GetValue(classification), parse.GetValue(alerts), parse.GetValue(rabbit) };
            var distributed = addresses.Any(a => a is not null);
            if (distributed && addresses.Any(a => a is null))
            {
                await stderr.WriteLineAsync("replay: a distributed replay needs --ingest, --classification, --alerts and --rabbitmq");
                return ExitCodes.Usage;
            }

            if (distributed && labelled is not null)
            {
                await stderr.WriteLineAsync("replay: --labels replaces the classifier, which only an embedded replay can do");
                return ExitCodes.Usage;
            }

            var uris = new Uri[addresses.Length];
            for (var i = 0; i < addresses.Length && distributed; i++)
            {
                if (!Uri.TryCreate(addresses[i], UriKind.Absolute, out uris[i]!))
                {
                    await stderr.WriteLineAsync($"replay: '{addresses[i]}' is not an absolute URI");
                    return ExitCodes.Usage;
                }
            }

            var interactive = !parse.GetValue(json) && ReferenceEquals(stdout, Console.Out) && !Console.IsOutputRedirected;
            var progress = new ProgressBar(stdout, "articles", loaded.Articles.Count, interactive);
            ReplayResult result;
            try
            {
                result = distributed
                    ? await ReplayDistributedAsync(loaded, uris[0], uris[1], uris[2], uris[3], parse.GetValue(prefix)!, cancellationToken, progress, security.Read(parse))
                    : await ReplayEmbeddedAsync(loaded, cancellationToken,
                        labelled is null ? null : services => services.AddSingleton(labelled), progress);
            }
            catch (CorpusException ex)
            {
                // The services refused a source or claim of the corpus: its file and line, before any article was sent.
                progress.Done();
                await stderr.WriteLineAsync(ex.Message);
                return ExitCodes.Usage;
            }
            catch (RpcException ex)
            {
                progress.Done();
                await stderr.WriteLineAsync($"replay: {ex.StatusCode}: {ex.Status.Detail}");
                return ExitCodes.For(ex.StatusCode);
            }
            catch (TimeoutException ex)
            {
                progress.Done();
                await stderr.WriteLineAsync($"replay: {ex.Message}");
                return ExitCodes.Unavailable;
            }

            progress.Done();
            var evaluation = expectedAlerts is null ? null : ReplayEvaluation.Evaluate(expectedAlerts, result.Alerts);
            var report = new ReplayReport(result, overrides, labelled is not null, evaluation, parse.GetValue(expected)?.ToString());
            return await report.WriteAsync(stdout, stderr, parse.GetValue(output), parse.GetValue(json));
        });
        return command;
    }

    private static Command DevToken()
    {
        var keyFile = new Option<FileInfo>("--signing-key-file") { Description = "File holding the base64 HMAC secret the services have as Auth:Jwt:SigningKey(File)", Required = true };
        var issuer = new Option<string>("--issuer") { Description = "The services' Auth:Jwt:Issuer", Required = true };
        var audience = new Option<string>("--audience") { Description = "The services' Auth:Jwt:Audience", Required = true };
        var subject = new Option<string>("--subject") { Description = "Who the token is for (sub)", DefaultValueFactory = _ => Environment.UserName };
        var roles = new Option<string[]>("--role") { Description = "Role: ingest, analyst or admin; repeatable", Required = true, AllowMultipleArgumentsPerToken = false };
        var lifetime = new Option<TimeSpan>("--lifetime") { Description = "How long the token is valid", DefaultValueFactory = _ => TimeSpan.FromHours(8) };
        var command = new Command("dev-token", "Prints an HS256 JWT for a development deployment configured with a shared secret.")
        {
            keyFile, issuer, audience, subject, roles, lifetime,
        };
        command.SetAction(parse =>
        {
            var unknown = parse.GetValue(roles)!.Where(r => !Roles.All.Contains(r)).ToList();
            if (unknown.Count > 0)
            {
                Console.Error.WriteLine($"dev-token: unknown role {string.Join(", ", unknown)} (known: {string.Join(", ", Roles.All)})");
                return 2;
            }

            var secret = Convert.FromBase64String(File.ReadAllText(parse.GetValue(keyFile)!.FullName).Trim());
            Console.WriteLine(DevTokens.Mint(secret, parse.GetValue(issuer)!, parse.GetValue(audience)!, parse.GetValue(subject)!,
                parse.GetValue(roles)!, parse.GetValue(lifetime)));
            return 0;
        });
        return command;
    }

    public static async Task<ReplayResult> ReplayEmbeddedAsync(Corpus corpus, CancellationToken cancellationToken, Action<IServiceCollection>? configureServices = null,
        IProgress<int>? articlesDone = null)
    {
        var port = EmbeddedHost.FreePort();
        await using var app = EmbeddedHost.Build([], new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{port}",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Logging:LogLevel:Default"] = "Warning",
        }, bus => bus.AddReplayObserver(), configureServices);
        await app.StartAsync(cancellationToken);
        try
        {
            using var channel = GrpcChannel.ForAddress(app.GrpcAddress());
            return await NewReplayer(channel, channel, channel, app.Services.GetRequiredService<ReplayProgress>()).ReplayAsync(corpus, articlesDone, cancellationToken);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    /// <param name="security">Credential and certificates for secured services (the replay needs roles ingest, admin and analyst).</param>
    public static async Task<ReplayResult> ReplayDistributedAsync(Corpus corpus, Uri ingest, Uri classification, Uri alerts, Uri rabbitMq, string entityPrefix,
        CancellationToken cancellationToken, IProgress<int>? articlesDone = null, GrpcClientSecurity? security = null)
    {
        security ??= GrpcClientSecurity.None;
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messaging:Transport"] = nameof(MessagingTransport.RabbitMq),
            ["Messaging:RabbitMqUri"] = rabbitMq.ToString(),
            ["Messaging:EntityPrefix"] = entityPrefix,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.AddMessaging(bus => bus.AddReplayObserver());
        builder.Services.AddSingleton<ReplayProgress>();
        using var host = builder.Build();
        await host.StartAsync(cancellationToken);
        try
        {
            using var ingestChannel = security.CreateChannel(ingest);
            using var classificationChannel = security.CreateChannel(classification);
            using var alertsChannel = security.CreateChannel(alerts);
            return await NewReplayer(ingestChannel, classificationChannel, alertsChannel, host.Services.GetRequiredService<ReplayProgress>())
                .ReplayAsync(corpus, articlesDone, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static CorpusReplayer NewReplayer(GrpcChannel ingest, GrpcChannel classification, GrpcChannel alerts, ReplayProgress progress) =>
        new(new IngestService.IngestServiceClient(ingest), new ClassificationService.ClassificationServiceClient(classification),
            new AlertService.AlertServiceClient(alerts), progress);
}
