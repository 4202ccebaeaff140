using System.ComponentModel.DataAnnotations;

namespace NarrativeMonitor.ServiceDefaults;

public enum MessagingTransport
{
    /// <summary>MassTransit's in-memory transport: embedded mode, one process.</summary>
    InMemory,
    /// <summary>RabbitMQ, with publisher confirms and durable quorum queues.</summary>
    RabbitMq,
}

public sealed class MessagingOptions
{
    public const string SectionName = "Messaging";

    public MessagingTransport Transport { get; set; } = MessagingTransport.RabbitMq;

    /// <summary>AMQP URI of the broker, e.g. "amqp://guest:guest@localhost:5672/".</summary>
    [Required]
    public string RabbitMqUri { get; set; } = "amqp://guest:guest@localhost:5672/";

    /// <summary>Prefix of every exchange and queue name, so several deployments (or test runs) can share one virtual host.</summary>
    [RegularExpression("^[a-z0-9-]{0,32}$")]
    public string EntityPrefix { get; set; } = "";

    /// <summary>Messages a consumer endpoint fetches ahead of processing.</summary>
    [Range(1, 10_000)]
    public int PrefetchCount { get; set; } = 128;

    /// <summary>Messages a consumer endpoint processes at once.</summary>
    [Range(1, 1_000)]
    public int ConcurrentMessageLimit { get; set; } = 32;

    /// <summary>Queue type for RabbitMQ: quorum queues replicate and survive node loss; classic queues are lighter on one node.</summary>
    public bool QuorumQueues { get; set; } = true;

    /// <summary>
    /// Delays of the immediate retries of a failing message (see <see cref="ConsumerRetry"/>); after the last one the
    /// message goes to the endpoint's _error queue. Null: 100 ms, 500 ms, 2 s, 5 s (five attempts in about 7.6 s).
    /// </summary>
    public TimeSpan[]? RetryIntervals { get; set; }

    public IReadOnlyList<TimeSpan> EffectiveRetryIntervals => RetryIntervals ?? DefaultRetryIntervals;

    private static readonly TimeSpan[] DefaultRetryIntervals =
        [TimeSpan.FromMilliseconds(100), TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(5)];
}
