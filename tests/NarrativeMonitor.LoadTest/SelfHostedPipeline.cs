using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging.Console;
using NarrativeMonitor.Cli;
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
        var settings = ServiceHosts.Distributed(redis, rabbitMq, prefix);
        foreach (var (key, value) in overrides)
        {
            settings[key] = value;
        }

        var pipeline = new SelfHostedPipeline(settings);
        try
        {
            pipeline.IngestAddress = await pipeline.StartServiceAsync(HostedService.Ingest, cancellationToken);
            pipeline.ClassificationAddress = await pipeline.StartServiceAsync(HostedService.Classification, cancellationToken);
            pipeline.AlertsAddress = await pipeline.StartServiceAsync(HostedService.Alerts, cancellationToken);
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

    private async Task<Uri> StartServiceAsync(HostedService service, CancellationToken cancellationToken)
    {
        // stdout belongs to the report; its last line is the JSON summary.
        var app = ServiceHosts.Build(service, _settings,
            builder => builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace));
        _apps.Add(app);
        await app.StartAsync(cancellationToken);
        return app.GrpcAddress();
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
