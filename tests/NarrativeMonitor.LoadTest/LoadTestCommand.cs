using System.CommandLine;

namespace NarrativeMonitor.LoadTest;

public sealed record LoadOptions
{
    public int Articles { get; init; }
    public int Claims { get; init; }
    public double Rate { get; init; }
    public int Streams { get; init; }
    public int Batch { get; init; }
    public int Warmup { get; init; }
    public int Seed { get; init; }
    public TimeSpan StallTimeout { get; init; }
    public bool Keep { get; init; }

    public bool SelfHost { get; init; }
    public string? Redis { get; init; }
    public IReadOnlyDictionary<string, string?> Settings { get; init; } = new Dictionary<string, string?>();

    public Uri? Ingest { get; init; }
    public Uri? Classification { get; init; }
    public Uri? Alerts { get; init; }
    public Uri? RabbitMq { get; init; }
    public string EntityPrefix { get; init; } = "";

    /// <summary>Credential and certificates for a secured deployment (roles ingest, admin and analyst).</summary>
    public NarrativeMonitor.ServiceDefaults.Security.GrpcClientSecurity Security { get; init; } = NarrativeMonitor.ServiceDefaults.Security.GrpcClientSecurity.None;
}

public static class LoadTestCommand
{
    public static RootCommand Build()
    {
        var articles = new Option<int>("--articles") { Description = "Articles measured", DefaultValueFactory = _ => 20_000 };
        var claims = new Option<int>("--claims") { Description = "Active claims created for the run", DefaultValueFactory = _ => 100 };
        var rate = new Option<double>("--rate") { Description = "Target articles/s; 0 submits as fast as ingest takes them", DefaultValueFactory = _ => 0 };
        var streams = new Option<int>("--streams") { Description = "Concurrent SubmitArticles client streams", DefaultValueFactory = _ => 4 };
        var batch = new Option<int>("--batch") { Description = "Articles per SubmitArticles call", DefaultValueFactory = _ => 500 };
        var warmup = new Option<int>("--warmup") { Description = "Articles sent (and awaited) before the measurement, not counted", DefaultValueFactory = _ => 500 };
        var seed = new Option<int>("--seed") { Description = "Seed of the synthetic corpus", DefaultValueFactory = _ => 42 };
        var timeout = new Option<int>("--timeout") { Description = "Give up when no article has been evaluated for this many seconds", DefaultValueFactory = _ => 60 };
        var keep = new Option<bool>("--keep") { Description = "Leave the run's state behind (self-host: Redis keys; deployment: the run's claims stay active)" };

        var selfHost = new Option<bool>("--self-host") { Description = "Run ingest, classification and alert in this process (needs --redis and --rabbitmq)" };
        var redis = new Option<string?>("--redis") { Description = "Redis host:port for --self-host" };
        var set = new Option<string[]>("--set")
        {
            Description = "Configuration for the self-hosted services, key=value, repeatable (e.g. Messaging:PrefetchCount=256)",
            AllowMultipleArgumentsPerToken = false,
        };

        var ingest = UriOption("--ingest", "gRPC address of a running ingest service");
        var classification = UriOption("--classification", "gRPC address of a running classification service");
        var alerts = UriOption("--alerts", "gRPC address of a running alert service");
        var rabbit = UriOption("--rabbitmq", "AMQP URI of the broker, e.g. amqp://guest:guest@127.0.0.1:5672/");
        var prefix = new Option<string>("--entity-prefix") { Description = "The deployment's Messaging:EntityPrefix", DefaultValueFactory = _ => "" };

        var root = new RootCommand("Load test of the distributed NarrativeMonitor pipeline: throughput and end-to-end latency.")
        {
            articles, claims, rate, streams, batch, warmup, seed, timeout, keep, selfHost, redis, set, ingest, classification, alerts, rabbit, prefix,
        };
        var security = new NarrativeMonitor.Cli.ClientSecurityOptions();
        security.AddTo(root);
        root.Subcommands.Add(ClaimsMemoryCommand.Build());
        root.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>();
            foreach (var pair in parse.GetValue(set) ?? [])
            {
                var equals = pair.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0)
                {
                    await Console.Error.WriteLineAsync($"--set: expected key=value, got '{pair}'");
                    return 2;
                }

                settings[pair[..equals]] = pair[(equals + 1)..];
            }

            var options = new LoadOptions
            {
                Articles = parse.GetValue(articles),
                Claims = parse.GetValue(claims),
                Rate = parse.GetValue(rate),
                Streams = parse.GetValue(streams),
                Batch = parse.GetValue(batch),
                Warmup = parse.GetValue(warmup),
                Seed = parse.GetValue(seed),
                StallTimeout = TimeSpan.FromSeconds(parse.GetValue(timeout)),
                Keep = parse.GetValue(keep),
                SelfHost = parse.GetValue(selfHost),
                Redis = parse.GetValue(redis),
                Settings = settings,
                Ingest = parse.GetValue(ingest),
                Classification = parse.GetValue(classification),
                Alerts = parse.GetValue(alerts),
                RabbitMq = parse.GetValue(rabbit),
                EntityPrefix = parse.GetValue(prefix)!,
                Security = security.Read(parse),
            };
            if (Validate(options) is { } error)
            {
                await Console.Error.WriteLineAsync(error);
                return 2;
            }

            return await new LoadRunner(options).RunAsync(cancellationToken);
        });
        return root;
    }

    // System.CommandLine's built-in Uri conversion rejects amqp:// URIs, so absolute URIs are parsed here.
    private static Option<Uri?> UriOption(string name, string description) => new(name)
    {
        Description = description,
        CustomParser = result =>
        {
            var text = result.Tokens.Single().Value;
            if (Uri.TryCreate(text, UriKind.Absolute, out var uri))
            {
                return uri;
            }

            result.AddError($"{name}: '{text}' is not an absolute URI");
            return null;
        },
    };

    private static string? Validate(LoadOptions o)
    {
        if (o.Articles < 1 || o.Claims < 1 || o.Claims > 20_000 || o.Streams < 1 || o.Batch < 1 || o.Warmup < 0 || o.Rate < 0 || o.StallTimeout <= TimeSpan.Zero)
        {
            return "--articles, --streams, --batch and --timeout must be positive, --claims between 1 and 20000, --warmup and --rate not negative";
        }

        if (o.RabbitMq is null)
        {
            return "--rabbitmq is required: the tool follows evaluations on the bus";
        }

        if (o.SelfHost)
        {
            return o.Redis is null || o.Ingest is not null || o.Classification is not null || o.Alerts is not null
                ? "--self-host needs --redis and --rabbitmq, and no service addresses"
                : null;
        }

        return o.Ingest is null || o.Classification is null || o.Alerts is null
            ? "give --ingest, --classification, --alerts and --rabbitmq of a running deployment, or --self-host --redis --rabbitmq"
            : null;
    }
}
