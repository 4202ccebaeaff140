using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Alerts;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Ingest;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;
using NarrativeMonitor.Testing;

namespace NarrativeMonitor.IntegrationTests;

/// <summary>
/// Ingest, classification and alert, each in a host of its own as in production, sharing a real Redis and RabbitMQ under a
/// prefix no other test uses; plus a bus client that observes evaluations and can publish like a service would.
/// </summary>
public sealed class PipelineCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _settings;
    private readonly List<GrpcChannel> _channels = [];

    private PipelineCluster(Dictionary<string, string?> settings) => _settings = settings;

    public WebApplication Ingest { get; private set; } = null!;
    public WebApplication Classification { get; private set; } = null!;
    public WebApplication Alerts { get; private set; } = null!;
    public IHost Observer { get; private set; } = null!;
    public string Prefix { get; private init; } = "";
    public Uri RabbitMq { get; private init; } = null!;

    public ReplayProgress Progress => Observer.Services.GetRequiredService<ReplayProgress>();
    public IBus Bus => Observer.Services.GetRequiredService<IBus>();

    public Uri IngestAddress => Address(Ingest);
    public Uri ClassificationAddress => Address(Classification);
    public Uri AlertsAddress => Address(Alerts);

    public IngestService.IngestServiceClient IngestClient => new(Channel(IngestAddress));
    public ClassificationService.ClassificationServiceClient ClassificationClient => new(Channel(ClassificationAddress));
    public AlertService.AlertServiceClient AlertsClient => new(Channel(AlertsAddress));

    public static async Task<PipelineCluster> StartAsync(RedisFixture redis, RabbitMqFixture rabbit)
    {
        var prefix = RabbitMqFixture.UniquePrefix();
        var cluster = new PipelineCluster(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = nameof(StorageProvider.Redis),
            ["Storage:RedisConnection"] = redis.ConnectionString,
            ["Storage:KeyPrefix"] = prefix + ":",
            ["Messaging:Transport"] = nameof(MessagingTransport.RabbitMq),
            ["Messaging:RabbitMqUri"] = rabbit.AmqpUri.ToString(),
            ["Messaging:EntityPrefix"] = prefix,
            ["Logging:LogLevel:Default"] = "Warning",
        })
        {
            Prefix = prefix,
            RabbitMq = rabbit.AmqpUri,
        };
        await cluster.StartObserverAsync();
        cluster.Ingest = await cluster.StartServiceAsync("ingest");
        cluster.Classification = await cluster.StartServiceAsync("classification");
        cluster.Alerts = await cluster.StartServiceAsync("alerts");
        return cluster;
    }

    /// <summary>Stops the alert service and starts a new instance on the same Redis and queues.</summary>
    public async Task RestartAlertsAsync()
    {
        await Alerts.StopAsync();
        await Alerts.DisposeAsync();
        Alerts = await StartServiceAsync("alerts");
    }

    public CorpusReplayer Replayer() => new(IngestClient, ClassificationClient, AlertsClient, Progress);

    private async Task<WebApplication> StartServiceAsync(string service)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "NarrativeMonitor." + service });
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        });
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
        app.MapDefaultEndpoints();
        switch (service)
        {
            case "ingest": app.MapIngestEndpoints(); break;
            case "classification": app.MapClassificationEndpoints(); break;
            default: app.MapAlertEndpoints(); break;
        }

        await app.StartAsync();
        return app;
    }

    private async Task StartObserverAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(_settings);
        builder.Services.AddSingleton<ReplayProgress>();
        builder.AddMessaging(bus => bus.AddReplayObserver());
        Observer = builder.Build();
        await Observer.StartAsync();
    }

    public static Uri Address(WebApplication app) => new(app.Configuration["Kestrel:Endpoints:Grpc:Url"]!);

    public static Uri HttpAddress(WebApplication app) => new(app.Configuration["Kestrel:Endpoints:Http:Url"]!);

    private GrpcChannel Channel(Uri address)
    {
        var channel = GrpcChannel.ForAddress(address);
        _channels.Add(channel);
        return channel;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var host in new IHost?[] { Ingest, Classification, Alerts, Observer })
        {
            if (host is null)
            {
                continue;
            }

            await host.StopAsync();
            if (host is IAsyncDisposable asyncDisposable)
            {
                await asyncDisposable.DisposeAsync();
            }
            else
            {
                host.Dispose();
            }
        }
    }
}
