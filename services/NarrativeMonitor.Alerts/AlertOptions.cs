using System.ComponentModel.DataAnnotations;

namespace NarrativeMonitor.Alerts;

public sealed class AlertOptions
{
    public const string SectionName = "Alerts";

    /// <summary>ArticleClassified messages the consumer processes at once.</summary>
    [Range(1, 1_000)]
    public int ConsumerConcurrency { get; set; } = 16;

    /// <summary>
    /// ArticleBatchClassified messages (up to a hundred articles each, evaluated one after another) the batch consumer
    /// processes at once. Batches mix outlets, so these evaluations may conflict and retry their commits.
    /// </summary>
    [Range(1, 256)]
    public int BatchConsumerConcurrency { get; set; } = 8;

    /// <summary>Partitions by source id: one outlet's articles are evaluated one at a time, so its ledger rarely conflicts.</summary>
    [Range(1, 1_024)]
    public int Partitions { get; set; } = 16;

    /// <summary>Read-derive-commit rounds before an evaluation gives up on optimistic-concurrency conflicts (the message is then retried).</summary>
    [Range(1, 100)]
    public int MaxCommitAttempts { get; set; } = 10;

    /// <summary>How often a Redis subscriber polls the event stream when it has caught up.</summary>
    [Range(10, 10_000)]
    public int SubscribePollIntervalMilliseconds { get; set; } = 100;

    /// <summary>
    /// How long alert events stay on the Redis event stream (what SubscribeAlerts replays from a cursor). Older events
    /// are trimmed; the alerts themselves are kept. A subscriber resuming from a trimmed cursor continues at the oldest
    /// event kept.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "3650.00:00:00")]
    public TimeSpan EventRetention { get; set; } = TimeSpan.FromDays(90);

    /// <summary>How often the event stream is trimmed to <see cref="EventRetention"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "1.00:00:00")]
    public TimeSpan EventTrimInterval { get; set; } = TimeSpan.FromMinutes(10);
}
