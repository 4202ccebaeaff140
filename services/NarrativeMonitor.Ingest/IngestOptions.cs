using System.ComponentModel.DataAnnotations;

namespace NarrativeMonitor.Ingest;

/// <summary>Configuration section "Ingest".</summary>
public sealed class IngestOptions
{
    public const string SectionName = "Ingest";

    /// <summary>
    /// Articles of one SubmitArticles stream being published at once. With publisher confirms each publish waits for
    /// the broker, so awaiting them one by one caps a stream at roughly a thousand articles a second.
    /// </summary>
    [Range(1, 1024)]
    public int MaxConcurrentPublishes { get; set; } = 64;

    /// <summary>
    /// Accepted articles of one SubmitArticles stream published together as one ArticleBatchIngested. Every message
    /// costs the broker about the same whatever its size, so per-article messages cap the pipeline at the broker's
    /// message rate; a batch spreads that cost. MaxConcurrentPublishes then counts batches.
    /// </summary>
    [Range(1, 1_000)]
    public int PublishBatchSize { get; set; } = 100;

    /// <summary>
    /// How long a partial batch waits for the stream's next article before it is published anyway, so a slow stream
    /// is not held back waiting for a full batch. Zero publishes whenever the next article is not already there.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "00:00:01")]
    public TimeSpan PublishLinger { get; set; } = TimeSpan.FromMilliseconds(10);

    /// <summary>
    /// How long a publish may wait for the broker (a connection, then the confirm) before its articles are answered
    /// Unavailable and their de-duplication claims released. While the broker is down MassTransit waits for it to come
    /// back; without this bound a client's call would hang until its own deadline.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a source looked up for an article is reused without asking the store again. Registering through this
    /// process invalidates the entry at once; a registration made by another replica shows after at most this long.
    /// Zero disables the cache.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan SourceCacheTtl { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the URL and content-hash de-duplication claims last; null keeps them forever. The default, a year, is
    /// far longer than any syndication or re-publication the de-duplication is there to catch.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan? DeduplicationTtl { get; set; } = TimeSpan.FromDays(365);

    /// <summary>
    /// How long the claim on an article id lasts; null (the default) keeps it forever, since it is what makes a client's
    /// retry of the same id idempotent. Once it expires the id is accepted again, and the alert service, which keys its
    /// observations by article id, still counts the article once.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan? ArticleIdTtl { get; set; }

    /// <summary>
    /// The estimated Jaccard similarity of word shingles (see NearDuplicates/MinHashSignature) at or above which an
    /// article's body is a near-duplicate of an earlier one. 0.5 keeps a wire story whose copy changed a few words or
    /// added a paragraph of its own, and leaves out a follow-up story that reuses one paragraph.
    /// </summary>
    [Range(0.2, 1.0)]
    public double NearDuplicateThreshold { get; set; } = 0.5;

    /// <summary>How long an accepted article can be found as the original of a near-duplicate.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan NearDuplicateWindow { get; set; } = TimeSpan.FromDays(30);
}
