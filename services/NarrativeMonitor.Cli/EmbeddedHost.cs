using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using NarrativeMonitor.Alerts;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Dashboard;
using NarrativeMonitor.Ingest;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Cli;

/// <summary>
/// The three services in one process: one bus carries every consumer, one set of stores serves every API; the dashboard is
/// served on the HTTP endpoint and calls the services over the gRPC endpoint.
/// </summary>
public static class EmbeddedHost
{
    /// <summary>Defaults of embedded mode: in-memory transport and store, gRPC and HTTP on loopback, no authentication (loopback only).</summary>
    public static readonly IReadOnlyDictionary<string, string?> Defaults = new Dictionary<string, string?>
    {
        ["Auth:Mode"] = "Open",
        ["Messaging:Transport"] = nameof(MessagingTransport.InMemory),
        ["Storage:Provider"] = nameof(StorageProvider.InMemory),
        ["Kestrel:Endpoints:Grpc:Url"] = "http://127.0.0.1:5001",
        ["Kestrel:Endpoints:Grpc:Protocols"] = nameof(HttpProtocols.Http2),
        ["Kestrel:Endpoints:Http:Url"] = "http://127.0.0.1:5000",
        ["Kestrel:Endpoints:Http:Protocols"] = nameof(HttpProtocols.Http1),
    };

    /// <param name="args">Command-line configuration (e.g. --Storage:Provider=Redis), applied over the defaults.</param>
    /// <param name="overrides">Settings applied last (the replay command binds to a free port).</param>
    /// <param name="configureBus">Extra consumers, e.g. the replay's progress observer.</param>
    /// <param name="configureServices">Last word on the services, e.g. another <c>IStanceClassifier</c>.</param>
    public static WebApplication Build(
        string[] args,
        IReadOnlyDictionary<string, string?>? overrides = null,
        Action<IBusRegistrationConfigurator>? configureBus = null,
        Action<IServiceCollection>? configureServices = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = [], ApplicationName = typeof(EmbeddedHost).Assembly.GetName().Name });
        builder.Configuration.AddInMemoryCollection(Defaults);
        builder.Configuration.AddEnvironmentVariables("NM_");
        builder.Configuration.AddCommandLine(args);
        if (overrides is not null)
        {
            builder.Configuration.AddInMemoryCollection(overrides);
        }

        var grpcUrl = builder.Configuration["Kestrel:Endpoints:Grpc:Url"]!.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal);
        builder.Configuration["Dashboard:AlertsAddress"] ??= grpcUrl;
        builder.Configuration["Dashboard:ClassificationAddress"] ??= grpcUrl;

        builder.AddServiceDefaults();
        builder.AddIngestServices();
        builder.AddClassificationServices();
        builder.AddAlertServices();
        builder.AddDashboardServices();
        builder.Services.AddSingleton<ReplayProgress>();
        builder.AddMessaging(bus =>
        {
            bus.AddIngestConsumers();
            bus.AddClassificationConsumers();
            bus.AddAlertConsumers();
            configureBus?.Invoke(bus);
        });
        configureServices?.Invoke(builder.Services);

        var app = builder.Build();
        app.MapDefaultEndpoints();
        app.MapIngestEndpoints();
        app.MapClassificationEndpoints();
        app.MapAlertEndpoints();
        app.MapDashboard();
        return app;
    }

    /// <summary>The address of the HTTP/2 (gRPC) endpoint.</summary>
    public static Uri GrpcAddress(this WebApplication app) =>
        new(app.Configuration["Kestrel:Endpoints:Grpc:Url"]!.Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal));

    /// <summary>A loopback port free right now, for a host that must not collide with a running one.</summary>
    public static int FreePort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }
}
