namespace NarrativeMonitor.Contracts;

/// <summary>Published by ingest for every accepted, de-duplicated article.</summary>
public sealed record ArticleIngested
{
    public required string ArticleId { get; init; }
    public required string SourceId { get; init; }
    public required SourceKind SourceKind { get; init; }
    public required string Url { get; init; }
    public required DateTimeOffset PublishedAt { get; init; }
    public required string Title { get; init; }
    public required string Body { get; init; }
    public string? Language { get; init; }
    /// <summary>SHA-256 of the normalized title and body, hex.</summary>
    public required string ContentHash { get; init; }
    /// <summary>Wall-clock time ingest accepted the article; for latency measurement only.</summary>
    public required DateTimeOffset IngestedAt { get; init; }
    /// <summary>
    /// The language ingest detected in the title and body (ISO 639-1: en, ru, uk, de, fr, es), whatever
    /// <see cref="Language"/> says; null when the text has no Latin or Cyrillic letters. Added with language detection.
    /// </summary>
    public string? DetectedLanguage { get; init; }
    /// <summary>How sure the detection is, in [0, 1]; low for short or mixed-language texts. Null with <see cref="DetectedLanguage"/>.</summary>
    public double? LanguageConfidence { get; init; }
    /// <summary>
    /// Set when the article is a near-duplicate (a syndicated copy with small edits) of an article accepted earlier:
    /// the id of that original (the first of a chain of copies). The copy is still accepted and classified.
    /// </summary>
    public string? NearDuplicateOf { get; init; }
    /// <summary>The source of <see cref="NearDuplicateOf"/>: confirmations by the copy count for it, not for the copy's source.</summary>
    public string? NearDuplicateOfSourceId { get; init; }
    /// <summary>The kind of <see cref="NearDuplicateOfSourceId"/> (a copy of a state media text confirms nothing).</summary>
    public SourceKind? NearDuplicateOfSourceKind { get; init; }
    /// <summary>Estimated Jaccard similarity of the copy's word shingles with the original's, in [0, 1].</summary>
    public double? NearDuplicateSimilarity { get; init; }
    /// <summary>The registered name of the source (e.g. "TASS"), for explanations; null in messages from before it was added.</summary>
    public string? SourceName { get; init; }
}

/// <summary>Published by classification with the article's stance toward every active claim it is not unrelated to.</summary>
public sealed record ArticleClassified
{
    public required string ArticleId { get; init; }
    public required string SourceId { get; init; }
    public required SourceKind SourceKind { get; init; }
    public required string Url { get; init; }
    public required string Title { get; init; }
    public required DateTimeOffset PublishedAt { get; init; }
    public required DateTimeOffset IngestedAt { get; init; }
    public required DateTimeOffset ClassifiedAt { get; init; }
    /// <summary>Results for the claims the article is related to (any stance but unrelated).</summary>
    public required IReadOnlyList<ClaimStanceResult> Results { get; init; }
    /// <summary>How many active claims the article was classified against.</summary>
    public int ClaimsEvaluated { get; init; }
    /// <summary>Copied from <see cref="ArticleIngested.NearDuplicateOf"/>: the original this article is a near-duplicate of.</summary>
    public string? NearDuplicateOf { get; init; }
    /// <summary>Copied from <see cref="ArticleIngested.NearDuplicateOfSourceId"/>: the alert service counts the copy's confirmation for this source.</summary>
    public string? NearDuplicateOfSourceId { get; init; }
    /// <summary>Copied from <see cref="ArticleIngested.NearDuplicateOfSourceKind"/>.</summary>
    public SourceKind? NearDuplicateOfSourceKind { get; init; }
    /// <summary>Copied from <see cref="ArticleIngested.SourceName"/>; null in older messages (explanations then name the source id).</summary>
    public string? SourceName { get; init; }
}

public sealed record ClaimStanceResult
{
    public required string ClaimId { get; init; }
    public required Stance Stance { get; init; }
    public required double Confidence { get; init; }
    public string? Evidence { get; init; }
    /// <summary>The claim's rules as they stood when the article was classified.</summary>
    public required ClaimRules Rules { get; init; }
    /// <summary>
    /// The claim's statement when the article was classified, so the alert service can explain alerts without a copy of
    /// the claims; null in older messages (explanations then name the claim id).
    /// </summary>
    public string? ClaimStatement { get; init; }
    /// <summary>The claim's topic when the article was classified; null in older messages.</summary>
    public string? ClaimTopic { get; init; }
}

/// <summary>Published by the alert service once it has evaluated every result of a classified article.</summary>
public sealed record ArticleEvaluated
{
    public required string ArticleId { get; init; }
    public required DateTimeOffset IngestedAt { get; init; }
    public required DateTimeOffset ClassifiedAt { get; init; }
    public required DateTimeOffset EvaluatedAt { get; init; }
    public int AlertsRaised { get; init; }
    public int AlertsResolved { get; init; }
}

/// <summary>Published by the alert service when a divergence episode starts.</summary>
public sealed record DivergenceAlertRaised
{
    public required string AlertId { get; init; }
    public required string ClaimId { get; init; }
    public required string SourceId { get; init; }
    public required AlertKind Kind { get; init; }
    public required AlertSeverity Severity { get; init; }
    public required DateTimeOffset RaisedAt { get; init; }
    public required IReadOnlyList<string> DivergingArticleIds { get; init; }
    public required IReadOnlyList<string> ConfirmingArticleIds { get; init; }
}

/// <summary>Published by the alert service when an episode ends: the outlet acknowledged the claim, or late evidence withdrew it.</summary>
public sealed record DivergenceAlertResolved
{
    public required string AlertId { get; init; }
    public required string ClaimId { get; init; }
    public required string SourceId { get; init; }
    public required AlertKind Kind { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public string? ResolvingArticleId { get; init; }
    /// <summary>True when late evidence showed the alert should never have been raised.</summary>
    public bool Withdrawn { get; init; }
}

/// <summary>
/// Published by ingest for the accepted articles of a SubmitArticles stream, up to Ingest:PublishBatchSize at once, in
/// stream order: one broker message for many articles. Each element means exactly what a single
/// <see cref="ArticleIngested"/> means; unary submits still publish <see cref="ArticleIngested"/>.
/// </summary>
public sealed record ArticleBatchIngested
{
    public required IReadOnlyList<ArticleIngested> Articles { get; init; }
}

/// <summary>Published by classification for an <see cref="ArticleBatchIngested"/>: one result per article, in the same order.</summary>
public sealed record ArticleBatchClassified
{
    public required IReadOnlyList<ArticleClassified> Articles { get; init; }
}

/// <summary>
/// Published by the alert service once it has evaluated every article of an <see cref="ArticleBatchClassified"/>; each
/// element counts as an <see cref="ArticleEvaluated"/> for observers.
/// </summary>
public sealed record ArticleBatchEvaluated
{
    public required IReadOnlyList<ArticleEvaluated> Articles { get; init; }

    /// <summary>
    /// Alerts the batch raised. The batch's (claim, outlet) pairs are evaluated once for all its articles, so the
    /// per-article counts in <see cref="Articles"/> are zero and these carry the batch's.
    /// </summary>
    public int AlertsRaised { get; init; }

    /// <summary>Alerts the batch resolved or withdrew.</summary>
    public int AlertsResolved { get; init; }
}
