using MassTransit;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace NarrativeMonitor.ServiceDefaults;

public static class ConsumerRetry
{
    /// <summary>
    /// The retry policy every consumer definition applies: immediate retries in the consumer, after the delays of
    /// <see cref="MessagingOptions.RetryIntervals"/>, then MassTransit moves the message to the endpoint's <c>_error</c>
    /// queue with the exception in MT-Fault-* headers. An <see cref="ArgumentException"/> means the message itself is
    /// malformed, so it goes there at once. Retries hold one of the endpoint's concurrent slots, never the whole endpoint,
    /// so the next messages are processed meanwhile. No delayed (broker-scheduled) redelivery: it needs RabbitMQ's
    /// delayed-message plugin, which Debian's broker does not ship.
    /// </summary>
    /// <remarks>Inside it, on the consumer, Redis outages are retried for about five minutes (<see cref="StoreOutageRetry"/>).</remarks>
    public static void UseConsumerRetry<TConsumer>(this IReceiveEndpointConfigurator endpoint, IConsumerConfigurator<TConsumer> consumer,
        IRegistrationContext context)
        where TConsumer : class
    {
        // Consumer tests host definitions without AddMessaging: they get the defaults.
        var intervals = (context.GetService<IOptions<MessagingOptions>>()?.Value ?? new MessagingOptions()).EffectiveRetryIntervals;
        endpoint.UseMessageRetry(retry =>
        {
            retry.Ignore<ArgumentException>();
            if (intervals.Count == 0)
            {
                retry.None();
            }
            else
            {
                retry.Intervals([.. intervals]);
            }
        });
        consumer.UseMessageRetry(StoreOutageRetry.Configure);
    }
}
