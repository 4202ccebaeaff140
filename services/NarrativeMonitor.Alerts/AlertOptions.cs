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
}
