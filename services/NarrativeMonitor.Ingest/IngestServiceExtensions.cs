using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NarrativeMonitor.Ingest.Feeds;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Ingest;

public static class IngestServiceExtensions
{
    /// <summary>Ingest's options, stores and pipeline. Does not add messaging or service defaults: the host does.</summary>
    public static IHostApplicationBuilder AddIngestServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>()
            .BindConfiguration(IngestOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<BackpressureOptions>()
            .BindConfiguration(BackpressureOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton<IngestAdmission>();
        builder.Services.AddHostedService<QueueDepthMonitor>();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddStore<ISourceStore, InMemorySourceStore, RedisSourceStore>();
        builder.AddStore<IArticleDeduplicator, InMemoryArticleDeduplicator, RedisArticleDeduplicator>();
        builder.AddStore<NearDuplicates.INearDuplicateStore, NearDuplicates.InMemoryNearDuplicateStore, NearDuplicates.RedisNearDuplicateStore>();
        builder.Services.TryAddSingleton<NearDuplicates.NearDuplicateDetector>();
        builder.Services.TryAddSingleton<SourceRegistry>();
        builder.Services.TryAddSingleton<ArticleValidator>();
        builder.Services.TryAddSingleton<InFlightArticles>();
        // Scoped: it publishes through the scope's IPublishEndpoint, as MassTransit intends.
        builder.Services.TryAddScoped<ArticleIngestPipeline>();
        builder.AddFeedServices();
        return builder;
    }

    /// <summary>Ingest consumes no messages; kept so every service composes the same way.</summary>
    public static IBusRegistrationConfigurator AddIngestConsumers(this IBusRegistrationConfigurator bus) => bus;

    public static IEndpointRouteBuilder MapIngestEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<IngestGrpcService>();
        app.MapFeedEndpoints();
        return app;
    }
}
