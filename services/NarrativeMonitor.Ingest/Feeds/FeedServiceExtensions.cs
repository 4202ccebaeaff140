using System.Net;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Ingest.Feeds;

public static class FeedServiceExtensions
{
    /// <summary>
    /// Feed collection: options (section "Feeds", validated on start), the feed store and leases, the HTTP client, the
    /// poller and its background worker. Called by AddIngestServices, which registers the pipeline it feeds.
    /// </summary>
    public static IHostApplicationBuilder AddFeedServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<FeedOptions>()
            .BindConfiguration(FeedOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddStore<IFeedStore, InMemoryFeedStore, RedisFeedStore>();
        builder.AddStore<IFeedLeases, InMemoryFeedLeases, RedisFeedLeases>();
        builder.Services.AddHttpClient(FeedHttpFetcher.HttpClientName, (sp, client) =>
            {
                client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", sp.GetRequiredService<IOptions<FeedOptions>>().Value.UserAgent);
                // FeedHttpFetcher applies Feeds:RequestTimeout to each request, body included.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                AutomaticDecompression = DecompressionMethods.All,
                AllowAutoRedirect = true,
                MaxAutomaticRedirections = 5,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = TimeSpan.FromSeconds(10),
            });
        builder.Services.TryAddSingleton<FeedHttpFetcher>();
        builder.Services.TryAddSingleton<FeedPoller>();
        builder.Services.TryAddSingleton<FeedPollingWorker>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<FeedPollingWorker>());
        return builder;
    }

    public static IEndpointRouteBuilder MapFeedEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<FeedGrpcService>();
        return app;
    }
}
