using System.Collections.Concurrent;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;
using NarrativeMonitor.Testing;

namespace NarrativeMonitor.Fuzz.Tests;

/// <summary>
/// Ingest, classification and alert in hosts of their own on loopback (as <see cref="ServiceHosts"/> composes them for
/// production), on the shared Redis and RabbitMQ under a fresh prefix, with every error they log collected.
/// </summary>
public sealed class FuzzCluster : IAsyncDisposable
{
    private readonly List<GrpcChannel> _channels = [];

    public required WebApplication Ingest { get; init; }
    public required WebApplication Classification { get; init; }
    public required WebApplication Alerts { get; init; }
    public required IHost Observer { get; init; }
    public required ErrorLog Errors { get; init; }

    public ReplayProgress Progress => Observer.Services.GetRequiredService<ReplayProgress>();

    public Uri Address(ServiceHost host) => (host switch
    {
        ServiceHost.Ingest => Ingest,
        ServiceHost.Classification => Classification,
        _ => Alerts,
    }).GrpcAddress();

    public IngestService.IngestServiceClient IngestClient => new(Channel(ServiceHost.Ingest));
    public ClassificationService.ClassificationServiceClient ClassificationClient => new(Channel(ServiceHost.Classification));
    public AlertService.AlertServiceClient AlertsClient => new(Channel(ServiceHost.Alerts));

    public static async Task<FuzzCluster> StartAsync(RedisFixture redis, RabbitMqFixture rabbit)
    {
        var settings = ServiceHosts.Distributed(redis.ConnectionString, rabbit.AmqpUri, RabbitMqFixture.UniquePrefix());
        settings["Auth:Mode"] = "Open";
        // Hostile AddFeed calls would otherwise make the poller fetch whatever URLs they registered.
        settings["Feeds:Enabled"] = "false";
        // Likewise hostile CreateWebhook calls would have alert events POSTed to whatever they registered.
        settings["Webhooks:Enabled"] = "false";
        var errors = new ErrorLog();

        var observerBuilder = Host.CreateApplicationBuilder();
        observerBuilder.Configuration.AddInMemoryCollection(settings);
        observerBuilder.Services.AddSingleton<ReplayProgress>();
        observerBuilder.AddMessaging(bus => bus.AddReplayObserver());
        var observer = observerBuilder.Build();
        await observer.StartAsync();

        async Task<WebApplication> Start(HostedService service)
        {
            var app = ServiceHosts.Build(service, settings, builder => builder.Logging.AddProvider(new ErrorLogProvider(errors, service.ToString())));
            await app.StartAsync();
            return app;
        }

        return new FuzzCluster
        {
            Observer = observer,
            Ingest = await Start(HostedService.Ingest),
            Classification = await Start(HostedService.Classification),
            Alerts = await Start(HostedService.Alerts),
            Errors = errors,
        };
    }

    private GrpcChannel Channel(ServiceHost host)
    {
        var channel = GrpcChannel.ForAddress(Address(host));
        lock (_channels)
        {
            _channels.Add(channel);
        }

        return channel;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        foreach (var host in new IHost[] { Ingest, Classification, Alerts, Observer })
        {
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

/// <summary>Every log entry at Error or above from the hosts, with its exception.</summary>
public sealed class ErrorLog
{
    public ConcurrentQueue<(string Host, string Category, string Message, Exception? Exception)> Entries { get; } = new();
}

internal sealed class ErrorLogProvider(ErrorLog log, string host) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(log, host, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(ErrorLog log, string host, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                log.Entries.Enqueue((host, category, formatter(state, exception), exception));
            }
        }
    }
}
