using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using NarrativeMonitor.Alerts;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Ingest;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Cli;

public enum HostedService
{
    Ingest,
    Classification,
    Alerts,
}

/// <summary>
/// One service in a host of its own, composed exactly as its Program.cs does, on free loopback ports: for tests and the
/// load tool, which run a distributed deployment inside one process.
/// </summary>
public static class ServiceHosts
{
    /// <summary>Settings of a deployment on the given Redis and RabbitMQ, with every key, exchange and queue under <paramref name="prefix"/>.</summary>
    public static Dictionary<string, string?> Distributed(string redis, Uri rabbitMq, string prefix) => new()
    {
        ["Storage:Provider"] = nameof(StorageProvider.Redis),
        ["Storage:RedisConnection"] = redis,
        ["Storage:KeyPrefix"] = prefix + ":",
        ["Messaging:Transport"] = nameof(MessagingTransport.RabbitMq),
        ["Messaging:RabbitMqUri"] = rabbitMq.ToString(),
        ["Messaging:EntityPrefix"] = prefix,
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <param name="settings">Configuration over the defaults; <c>Auth:Mode</c> is <c>Open</c> (the host binds loopback) unless it says otherwise.</param>
    /// <param name="configure">Last word on the builder, e.g. where logs go.</param>
    public static WebApplication Build(HostedService service, IEnumerable<KeyValuePair<string, string?>> settings, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = "NarrativeMonitor." + service });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Auth:Mode"] = "Open" });
        builder.Configuration.AddInMemoryCollection(settings);
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
            case HostedService.Ingest:
                builder.AddIngestServices();
                builder.AddMessaging(bus => bus.AddIngestConsumers());
                break;
            case HostedService.Classification:
                builder.AddClassificationServices();
                builder.AddMessaging(bus => bus.AddClassificationConsumers());
                break;
            default:
                builder.AddAlertServices();
                builder.AddMessaging(bus => bus.AddAlertConsumers());
                break;
        }

        configure?.Invoke(builder);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        switch (service)
        {
            case HostedService.Ingest: app.MapIngestEndpoints(); break;
            case HostedService.Classification: app.MapClassificationEndpoints(); break;
            default: app.MapAlertEndpoints(); break;
        }

        return app;
    }

    /// <summary>The address of the host's HTTP/1.1 endpoint (/health, /alive, /metrics).</summary>
    public static Uri HttpAddress(this WebApplication app) => new(app.Configuration["Kestrel:Endpoints:Http:Url"]!);
}
