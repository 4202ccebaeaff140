using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Alerts;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Classifier;
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
    private readonly Action<HostedService, WebApplicationBuilder>? _configure;
    private readonly List<GrpcChannel> _channels = [];

    private PipelineCluster(Dictionary<string, string?> settings, Action<HostedService, WebApplicationBuilder>? configure)
    {
        _settings = settings;
        _configure = configure;
    }

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

    /// <param name="configure">Last word on each service's builder, e.g. a classifier that answers with hand labels.</param>
    public static async Task<PipelineCluster> StartAsync(RedisFixture redis, RabbitMqFixture rabbit, Action<HostedService, WebApplicationBuilder>? configure = null)
    {
        var prefix = RabbitMqFixture.UniquePrefix();
        var cluster = new PipelineCluster(ServiceHosts.Distributed(redis.ConnectionString, rabbit.AmqpUri, prefix), configure)
        {
            Prefix = prefix,
            RabbitMq = rabbit.AmqpUri,
        };
        await cluster.StartObserverAsync();
        cluster.Ingest = await cluster.StartServiceAsync(HostedService.Ingest);
        cluster.Classification = await cluster.StartServiceAsync(HostedService.Classification);
        cluster.Alerts = await cluster.StartServiceAsync(HostedService.Alerts);
        return cluster;
    }

    /// <summary>
    /// For tests of the pipeline's mechanics: the rules classifier, whose reading of their short synthetic texts its cue
    /// lists fix, where the trained default's is a measured accuracy (the sample replays run the default end to end).
    /// </summary>
    public static void WithRulesClassifier(HostedService service, WebApplicationBuilder builder)
    {
        if (service == HostedService.Classification)
        {
            builder.Services.AddSingleton<IStanceClassifier>(new RuleBasedStanceClassifier());
        }
    }

    /// <summary>Stops the alert service and starts a new instance on the same Redis and queues.</summary>
    public async Task RestartAlertsAsync()
    {
        await Alerts.StopAsync();
        await Alerts.DisposeAsync();
        Alerts = await StartServiceAsync(HostedService.Alerts);
    }

    public CorpusReplayer Replayer() => new(IngestClient, ClassificationClient, AlertsClient, Progress);

    private async Task<WebApplication> StartServiceAsync(HostedService service)
    {
        var app = ServiceHosts.Build(service, _settings, builder => _configure?.Invoke(service, builder));
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

    public static Uri Address(WebApplication app) => app.GrpcAddress();

    public static Uri HttpAddress(WebApplication app) => app.HttpAddress();

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
