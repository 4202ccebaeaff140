using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Console;
using NarrativeMonitor.Alerts;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Ingest;
using NarrativeMonitor.ServiceDefaults;
using StackExchange.Redis;

namespace NarrativeMonitor.LoadTest;

/// <summary>
/// Ingest, classification and alert in this process, each in a WebApplication of its own (own DI container, own bus
/// connection, own Redis connection) on loopback, against a real Redis and RabbitMQ under a prefix unique to the run.
/// </summary>
public sealed class SelfHostedPipeline : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;
    private readonly List<WebApplication> _apps = [];

    private SelfHostedPipeline(Dictionary<string, string?> settings) => _settings = settings;

    public Uri IngestAddress { get; private set; } = null!;
    public Uri ClassificationAddress { get; private set; } = null!;
    public Uri AlertsAddress { get; private set; } = null!;

    /// <param name="overrides">Extra configuration for all three services, e.g. Messaging:PrefetchCount=256.</param>
    public static async Task<SelfHostedPipeline> StartAsync(string redis, Uri rabbitMq, string prefix, IReadOnlyDictionary<string, string?> overrides, CancellationToken cancellationToken)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = nameof(StorageProvider.Redis),
            ["Storage:RedisConnection"] = redis,
            ["Storage:KeyPrefix"] = prefix + ":",
            ["Messaging:Transport"] = nameof(MessagingTransport.RabbitMq),
            ["Messaging:RabbitMqUri"] = rabbitMq.ToString(),
            ["Messaging:EntityPrefix"] = prefix,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var pipeline = new SelfHostedPipeline(settings);
        try
        {
            pipeline.IngestAddress = await pipeline.StartServiceAsync("ingest", cancellationToken);
            pipeline.ClassificationAddress = await pipeline.StartServiceAsync("classification", cancellationToken);
            pipeline.AlertsAddress = await pipeline.StartServiceAsync("alerts", cancellationToken);
            return pipeline;
        }
        catch
        {
            await pipeline.DisposeAsync();
            throw;
        }
    }

    /// <summary>Removes the run's Redis keys (the services' state); returns how many there were.</summary>
    public static async Task<long> DeleteRedisKeysAsync(string redis, string prefix)
    {
        var configuration = ConfigurationOptions.Parse(redis);
        configuration.AllowAdmin = false;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(configuration);
        var database = connection.GetDatabase();
        long deleted = 0;
        foreach (var endpoint in connection.GetEndPoints())
        {
            var server = connection.GetServer(endpoint);
            if (server.IsReplica)
            {
                continue;
            }

            var batch = new List<RedisKey>(1000);
            await foreach (var key in server.KeysAsync(database.Database, prefix + ":*", pageSize: 1000))
            {
                batch.Add(key);
                if (batch.Count == 1000)
                {
                    deleted += await database.KeyDeleteAsync([.. batch]);
                    batch.Clear();
                }
            }

            if (batch.Count > 0)
            {
                deleted += await database.KeyDeleteAsync([.. batch]);
            }
        }

        return deleted;
    }

    private async Task<Uri> StartServiceAsync(string service, CancellationToken cancellationToken)
    {
        var grpcUrl = $"http://127.0.0.1:{FreePort()}";
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "NarrativeMonitor." + service });
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = grpcUrl,
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{FreePort()}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        });
        // stdout belongs to the report; its last line is the JSON summary.
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.AddServiceDefaults();
        switch (service)
        {
            case "ingest":
                builder.AddIngestServices();
                builder.AddMessaging(bus => bus.AddIngestConsumers());
                break;
            case "classification":
                builder.AddClassificationServices();
                builder.AddMessaging(bus => bus.AddClassificationConsumers());
                break;
            default:
                builder.AddAlertServices();
                builder.AddMessaging(bus => bus.AddAlertConsumers());
                break;
        }

        var app = builder.Build();
        _apps.Add(app);
        app.MapDefaultEndpoints();
        switch (service)
        {
            case "ingest": app.MapIngestEndpoints(); break;
            case "classification": app.MapClassificationEndpoints(); break;
            default: app.MapAlertEndpoints(); break;
        }

        await app.StartAsync(cancellationToken);
        return new Uri(grpcUrl);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var app in Enumerable.Reverse(_apps))
        {
            await app.StopAsync(CancellationToken.None);
            await app.DisposeAsync();
        }

        _apps.Clear();
    }
}
