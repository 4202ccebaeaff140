using System.Text.Json.Serialization;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// An article of a source that is not state media acknowledging a claim. <see cref="SourceId"/> is the source it counts
/// for: the article's own, or, for a near-duplicate of another outlet's article, that original's source
/// (<see cref="ArticleSourceId"/> is then the copy's own source).
/// The other fields describe the article for explanations; they are null in ledgers written before they were added.
/// </summary>
public sealed record Confirmation(
    string SourceId, string ArticleId, DateTimeOffset PublishedAt,
    string? Url = null, string? Title = null, string? SourceName = null, string? Evidence = null, string? ArticleSourceId = null);

/// <summary>
/// A state outlet's article and its stance toward one claim. Url, title and the outlet's name are for explanations; null
/// in ledgers written before they were added.
/// </summary>
public sealed record Observation(
    string ArticleId, DateTimeOffset PublishedAt, Stance Stance, double Confidence, string? Evidence,
    string? Url = null, string? Title = null, string? SourceName = null);

/// <summary>When a claim became confirmed, and the articles (one per source, earliest first) that confirmed it.</summary>
public sealed record ClaimConfirmation(DateTimeOffset ConfirmedAt, IReadOnlyList<string> ConfirmingArticleIds)
{
    /// <summary>The confirmations behind <see cref="ConfirmingArticleIds"/>, in the same order.</summary>
    public IReadOnlyList<Confirmation> Confirmations { get; init; } = [];
}

/// <summary>What a claim says, as classification last reported it; explanations quote it.</summary>
public sealed record ClaimDescription(string Statement, string Topic);

public enum AlertState
{
    Open = 1,
    Acknowledged = 2,
    Resolved = 3,
    Withdrawn = 4,
}

public enum AlertEventType
{
    Raised = 1,
    Resolved = 2,
    Acknowledged = 3,
    Withdrawn = 4,
}

/// <summary>A divergence episode as the rules derive it from a claim's history.</summary>
public sealed record AlertEpisode
{
    public required string Id { get; init; }
    public required string ClaimId { get; init; }
    public required string SourceId { get; init; }
    public required AlertKind Kind { get; init; }
    public required AlertSeverity Severity { get; init; }
    public required DateTimeOffset RaisedAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    public string? ResolvingArticleId { get; init; }
    public required IReadOnlyList<string> DivergingArticleIds { get; init; }
    public required IReadOnlyList<string> EvidenceSentences { get; init; }
    public required IReadOnlyList<string> ConfirmingArticleIds { get; init; }
    public required DateTimeOffset ConfirmedAt { get; init; }

    /// <summary>Why the alert was raised, built from the evidence; null on alerts stored before explanations existed.</summary>
    public AlertExplanationRecord? Explanation { get; init; }

    [JsonIgnore]
    public bool IsResolved => ResolvedAt is not null;

    /// <summary>Value equality including the lists (records compare lists by reference).</summary>
    public bool SameAs(AlertEpisode other) =>
        Id == other.Id && ClaimId == other.ClaimId && SourceId == other.SourceId && Kind == other.Kind &&
        Severity == other.Severity && RaisedAt == other.RaisedAt && ResolvedAt == other.ResolvedAt &&
        ResolvingArticleId == other.ResolvingArticleId && ConfirmedAt == other.ConfirmedAt &&
        DivergingArticleIds.SequenceEqual(other.DivergingArticleIds) &&
        EvidenceSentences.SequenceEqual(other.EvidenceSentences) &&
        ConfirmingArticleIds.SequenceEqual(other.ConfirmingArticleIds) &&
        (Explanation is null ? other.Explanation is null : other.Explanation is not null && Explanation.SameAs(other.Explanation));
}

/// <summary>One article an explanation names.</summary>
public sealed record ArticleRef(
    string ArticleId, string SourceId, string? Url, string? Title, DateTimeOffset PublishedAt, Stance Stance, string? Evidence);

/// <summary>The facts an alert's explanation is built from, and the summary paragraph built from them.</summary>
public sealed record AlertExplanationRecord
{
    public required string Summary { get; init; }
    public string? ClaimStatement { get; init; }
    public string? ClaimTopic { get; init; }
    /// <summary>The outlet's registered name; null when no message carried it.</summary>
    public string? OutletName { get; init; }
    public required int OnTopicArticleCount { get; init; }
    public required DateTimeOffset WindowStart { get; init; }
    public required DateTimeOffset WindowEnd { get; init; }
    public required IReadOnlyList<ArticleRef> ConfirmingArticles { get; init; }
    /// <summary>The outlet's articles that make the divergence (for an omission, also those it kept silent in while open), earliest first.</summary>
    public required IReadOnlyList<ArticleRef> DivergingArticles { get; init; }
    /// <summary>The outlet's acknowledging article, when resolved.</summary>
    public ArticleRef? ResolvingArticle { get; init; }

    public bool SameAs(AlertExplanationRecord other) =>
        Summary == other.Summary && ClaimStatement == other.ClaimStatement && ClaimTopic == other.ClaimTopic &&
        OutletName == other.OutletName && OnTopicArticleCount == other.OnTopicArticleCount &&
        WindowStart == other.WindowStart && WindowEnd == other.WindowEnd &&
        ConfirmingArticles.SequenceEqual(other.ConfirmingArticles) && DivergingArticles.SequenceEqual(other.DivergingArticles) &&
        ResolvingArticle == other.ResolvingArticle;
}

/// <summary>One change of an alert's state: what, who ("system" for automatic changes), why, and when (wall clock).</summary>
public sealed record AlertAuditEntry(AlertEventType Type, string Actor, string Note, DateTimeOffset At);

/// <summary>An analyst's resolution of an alert (wall-clock time).</summary>
public sealed record AnalystResolution(string Analyst, string Reason, DateTimeOffset At);

/// <summary>An analyst's acknowledgement of an alert (wall-clock time).</summary>
public sealed record Acknowledgement(string Analyst, string Note, DateTimeOffset At);

/// <summary>
/// A stored alert: the episode, whether late evidence withdrew it, the analyst's acknowledgement and resolution, and
/// the audit trail of its changes, oldest first.
/// </summary>
public sealed record AlertRecord
{
    public required AlertEpisode Episode { get; init; }
    public bool Withdrawn { get; init; }
    public Acknowledgement? Acknowledgement { get; init; }
    public AnalystResolution? Resolution { get; init; }
    public IReadOnlyList<AlertAuditEntry> Audit { get; init; } = [];

    [JsonIgnore]
    public string Id => Episode.Id;

    [JsonIgnore]
    public bool IsResolved => Episode.IsResolved || Resolution is not null;

    [JsonIgnore]
    public AlertState State =>
        Withdrawn ? AlertState.Withdrawn
        : IsResolved ? AlertState.Resolved
        : Acknowledgement is not null ? AlertState.Acknowledged
        : AlertState.Open;
}

/// <summary>One entry of the ordered alert event log; <see cref="Cursor"/> is its position.</summary>
public sealed record AlertEventRecord(string Cursor, AlertEventType Type, AlertRecord Alert, DateTimeOffset RecordedAt);
