using System.CommandLine;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;
using NarrativeMonitor.StanceModel;

namespace NarrativeMonitor.Cli;

public static class CliCommands
{
    public static RootCommand Build()
    {
        var root = new RootCommand("NarrativeMonitor: finds where state media deny, deflect or omit confirmed facts.");
        root.Subcommands.Add(Serve());
        root.Subcommands.Add(Replay());
        root.Subcommands.Add(EvaluateCorpus());
        root.Subcommands.Add(StanceModelCommands.Train());
        root.Subcommands.Add(StanceModelCommands.Evaluate());
        return root;
    }

    private static Command Serve()
    {
        var command = new Command("serve", "Runs ingest, classification and alert in one process with embedded defaults " +
            "(in-memory transport and store; gRPC on http://127.0.0.1:5001, /health on http://127.0.0.1:5000). " +
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
        var ingest = new Option<string?>("--ingest") { Description = "gRPC address of a running ingest service (distributed replay)" };
        var classification = new Option<string?>("--classification") { Description = "gRPC address of a running classification service" };
        var alerts = new Option<string?>("--alerts") { Description = "gRPC address of a running alert service" };
        var rabbit = new Option<string?>("--rabbitmq") { Description = "AMQP URI of the deployment's broker, to follow evaluations" };
        var prefix = new Option<string>("--entity-prefix") { Description = "The deployment's Messaging:EntityPrefix", DefaultValueFactory = _ => "" };

        var command = new Command("replay", "Feeds a corpus through the pipeline in published-time order, prints its alerts " +
            "and writes them as JSON lines. Without service addresses the pipeline runs embedded in this process.")
        {
            corpus, output, ingest, classification, alerts, rabbit, prefix,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            Corpus loaded;
            try
            {
                loaded = Corpus.Load(parse.GetValue(corpus)!.FullName);
            }
            catch (CorpusException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }

            var addresses = new[] { parse.GetValue(ingest), parse.GetValue(classification), parse.GetValue(alerts), parse.GetValue(rabbit) };
            var distributed = addresses.Any(a => a is not null);
            if (distributed && addresses.Any(a => a is null))
            {
                await Console.Error.WriteLineAsync("replay: a distributed replay needs --ingest, --classification, --alerts and --rabbitmq");
                return 2;
            }

            var uris = new Uri[addresses.Length];
            for (var i = 0; i < addresses.Length && distributed; i++)
            {
                if (!Uri.TryCreate(addresses[i], UriKind.Absolute, out uris[i]!))
                {
                    await Console.Error.WriteLineAsync($"replay: '{addresses[i]}' is not an absolute URI");
                    return 2;
                }
            }

            try
            {
                var result = distributed
                    ? await ReplayDistributedAsync(loaded, uris[0], uris[1], uris[2], uris[3], parse.GetValue(prefix)!, cancellationToken)
                    : await ReplayEmbeddedAsync(loaded, cancellationToken);
                return await ReportAsync(result, parse.GetValue(output));
            }
            catch (CorpusException ex)
            {
                await Console.Error.WriteLineAsync(ex.Message);
                return 2;
            }
        });
        return command;
    }

    private static Command EvaluateCorpus()
    {
        var corpus = new Argument<DirectoryInfo>("corpus-dir") { Description = "Corpus folder with labels.jsonl" };
        var classifier = new Option<ClassifierKind>("--classifier") { Description = "Rules or Model", DefaultValueFactory = _ => ClassifierKind.Rules };
        var command = new Command("eval-corpus", "Classifies every labelled (article, claim) pair of a corpus and prints per-stance accuracy.")
        {
            corpus, classifier,
        };
        command.SetAction(parse =>
        {
            try
            {
                var directory = parse.GetValue(corpus)!.FullName;
                var report = CorpusStanceReport.Evaluate(Corpus.Load(directory), Path.Combine(directory, "labels.jsonl"),
                    ClassificationServiceExtensions.CreateClassifier(parse.GetValue(classifier)));
                report.Write(Console.Out);
                return 0;
            }
            catch (CorpusException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }
        });
        return command;
    }

    public static async Task<ReplayResult> ReplayEmbeddedAsync(Corpus corpus, CancellationToken cancellationToken, Action<IServiceCollection>? configureServices = null)
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
            return await NewReplayer(channel, channel, channel, app.Services.GetRequiredService<ReplayProgress>()).ReplayAsync(corpus, null, cancellationToken);
        }
        finally
        {
            await app.StopAsync(CancellationToken.None);
        }
    }

    public static async Task<ReplayResult> ReplayDistributedAsync(Corpus corpus, Uri ingest, Uri classification, Uri alerts, Uri rabbitMq, string entityPrefix, CancellationToken cancellationToken)
    {
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
            using var ingestChannel = GrpcChannel.ForAddress(ingest);
            using var classificationChannel = GrpcChannel.ForAddress(classification);
            using var alertsChannel = GrpcChannel.ForAddress(alerts);
            return await NewReplayer(ingestChannel, classificationChannel, alertsChannel, host.Services.GetRequiredService<ReplayProgress>())
                .ReplayAsync(corpus, null, cancellationToken);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }

    private static CorpusReplayer NewReplayer(GrpcChannel ingest, GrpcChannel classification, GrpcChannel alerts, ReplayProgress progress) =>
        new(new IngestService.IngestServiceClient(ingest), new ClassificationService.ClassificationServiceClient(classification),
            new AlertService.AlertServiceClient(alerts), progress);

    private static async Task<int> ReportAsync(ReplayResult result, FileInfo? output)
    {
        foreach (var error in result.Errors)
        {
            await Console.Error.WriteLineAsync(error);
        }

        Console.WriteLine($"Replayed {result.Submitted} articles: {result.Accepted} accepted, {result.Duplicates} duplicates, {result.Errors.Count} rejected.");
        Console.WriteLine();
        AlertOutput.WriteTable(result.Alerts, Console.Out);
        if (output is not null)
        {
            await AlertOutput.WriteJsonLinesAsync(result.Alerts, output.FullName);
            Console.WriteLine();
            Console.WriteLine($"{result.Alerts.Count} alerts written to {output.FullName}");
        }

        return result.Errors.Count == 0 ? 0 : 1;
    }
}
