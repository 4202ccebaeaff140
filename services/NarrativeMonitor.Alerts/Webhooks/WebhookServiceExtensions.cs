using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Alerts.Webhooks;

public static class WebhookServiceExtensions
{
    /// <summary>
    /// Webhook delivery: options (section "Webhooks", validated on start), the store, the HTTP client, and the dispatcher
    /// as a background service. Needs the alert store (AddAlertServices calls this).
    /// </summary>
    public static IHostApplicationBuilder AddWebhookServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.AddStore<IWebhookStore, InMemoryWebhookStore, RedisWebhookStore>();
        builder.Services.AddHttpClient(WebhookSender.HttpClientName, client =>
            {
                client.DefaultRequestHeaders.TryAddWithoutValidation("User-Agent", "NarrativeMonitor-Webhooks/1.0");
                // WebhookSender applies Webhooks:RequestTimeout to each request.
                client.Timeout = Timeout.InfiniteTimeSpan;
            })
            .ConfigurePrimaryHttpMessageHandler(sp => new SocketsHttpHandler
            {
                // A redirect would resend the signed body somewhere nobody registered.
                AllowAutoRedirect = false,
                PooledConnectionLifetime = TimeSpan.FromMinutes(5),
                ConnectTimeout = sp.GetRequiredService<IOptions<WebhookOptions>>().Value.RequestTimeout,
            });
        builder.Services.TryAddSingleton<WebhookPayloads>();
        builder.Services.TryAddSingleton<WebhookSender>();
        builder.Services.TryAddSingleton<WebhookDispatcher>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<WebhookDispatcher>());
        return builder;
    }

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGrpcService<WebhookGrpcService>();
        return app;
    }
}
