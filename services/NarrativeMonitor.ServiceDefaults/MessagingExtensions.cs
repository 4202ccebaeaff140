using MassTransit;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace NarrativeMonitor.ServiceDefaults;

public static class MessagingExtensions
{
    /// <summary>
    /// MassTransit on the configured transport. <paramref name="configureConsumers"/> adds the consumers of the
    /// services hosted in this process; every consumer gets an endpoint of its own.
    /// </summary>
    public static IHostApplicationBuilder AddMessaging(this IHostApplicationBuilder builder, Action<IBusRegistrationConfigurator> configureConsumers)
    {
        var options = builder.Configuration.GetSection(MessagingOptions.SectionName).Get<MessagingOptions>() ?? new MessagingOptions();
        builder.Services.AddOptions<MessagingOptions>()
            .BindConfiguration(MessagingOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddMassTransit(bus =>
        {
            var prefix = string.IsNullOrEmpty(options.EntityPrefix) ? null : options.EntityPrefix + "-";
            bus.SetEndpointNameFormatter(new KebabCaseEndpointNameFormatter(prefix, false));
            configureConsumers(bus);

            if (options.Transport == MessagingTransport.InMemory)
            {
                bus.UsingInMemory((context, cfg) =>
                {
                    cfg.ConcurrentMessageLimit = options.ConcurrentMessageLimit;
                    cfg.ConfigureEndpoints(context);
                });
                return;
            }

            bus.AddConfigureEndpointsCallback((_, _, endpoint) =>
            {
                if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit && options.QuorumQueues)
                {
                    rabbit.SetQuorumQueue();
                }
            });
            bus.UsingRabbitMq((context, cfg) =>
            {
                var messaging = context.GetRequiredService<IOptions<MessagingOptions>>().Value;
                cfg.Host(new Uri(messaging.RabbitMqUri), host => host.PublisherConfirmation = true);
                if (prefix is not null)
                {
                    cfg.MessageTopology.SetEntityNameFormatter(new PrefixEntityNameFormatter(cfg.MessageTopology.EntityNameFormatter, prefix));
                }

                cfg.PrefetchCount = messaging.PrefetchCount;
                cfg.ConcurrentMessageLimit = messaging.ConcurrentMessageLimit;
                cfg.ConfigureEndpoints(context);
            });
        });

        builder.Services.Configure<MassTransitHostOptions>(host =>
        {
            host.WaitUntilStarted = true;
            host.StartTimeout = TimeSpan.FromSeconds(60);
            // Graceful shutdown: consumers finish what they hold before the process exits.
            host.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return builder;
    }
}
