using MassTransit;
using Microsoft.Extensions.DependencyInjection.Extensions;
using NarrativeMonitor.Alerts.Webhooks;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Alerts;

public static class AlertServiceExtensions
{
    /// <summary>Options, the ledger and alert store (one instance serves both interfaces) and the evaluator.</summary>
    public static IHostApplicationBuilder AddAlertServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<AlertOptions>()
            .BindConfiguration(AlertOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.AddStore<IAlertLedger, InMemoryAlertStore, RedisAlertStore>();
        builder.Services.AddSingleton(sp => (IAlertStore)sp.GetRequiredService<IAlertLedger>());
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<AlertEvaluator>();
        builder.Services.AddSingleton<ClassifiedArticleEvaluator>();
        builder.Services.AddHostedService<AlertEventRetention>();
        builder.AddWebhookServices();
        return builder;
    }

    public static IBusRegistrationConfigurator AddAlertConsumers(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ArticleClassifiedConsumer, ArticleClassifiedConsumerDefinition>();
        bus.AddConsumer<ArticleBatchClassifiedConsumer, ArticleBatchClassifiedConsumerDefinition>();
        return bus;
    }

    public static IEndpointRouteBuilder MapAlertEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<AlertGrpcService>();
        app.MapWebhookEndpoints();
        return app;
    }
}
