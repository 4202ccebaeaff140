using System.Text.Json.Serialization;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// An article of a source that is not state media acknowledging a claim. <see cref="SourceId"/> is the source it counts
/// for: the article's own, or, for a near-duplicate of another outlet's article, that original's source.
/// </summary>
public sealed record Confirmation(string SourceId, string ArticleId, DateTimeOffset PublishedAt);

/// <summary>A state outlet's article and its stance toward one claim.</summary>
public sealed record Observation(string ArticleId, DateTimeOffset PublishedAt, Stance Stance, double Confidence, string? Evidence);

/// <summary>When a claim became confirmed, and the articles (one per source, earliest first) that confirmed it.</summary>
public sealed record ClaimConfirmation(DateTimeOffset ConfirmedAt, IReadOnlyList<string> ConfirmingArticleIds);

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

    [JsonIgnore]
    public bool IsResolved => ResolvedAt is not null;

    /// <summary>Value equality including the lists (records compare lists by reference).</summary>
    public bool SameAs(AlertEpisode other) =>
        Id == other.Id && ClaimId == other.ClaimId && SourceId == other.SourceId && Kind == other.Kind &&
        Severity == other.Severity && RaisedAt == other.RaisedAt && ResolvedAt == other.ResolvedAt &&
        ResolvingArticleId == other.ResolvingArticleId && ConfirmedAt == other.ConfirmedAt &&
        DivergingArticleIds.SequenceEqual(other.DivergingArticleIds) &&
        EvidenceSentences.SequenceEqual(other.EvidenceSentences) &&
        ConfirmingArticleIds.SequenceEqual(other.ConfirmingArticleIds);
}

/// <summary>An analyst's acknowledgement of an alert (wall-clock time).</summary>
public sealed record Acknowledgement(string Analyst, string Note, DateTimeOffset At);

/// <summary>A stored alert: the episode, whether late evidence withdrew it, and the analyst's acknowledgement.</summary>
public sealed record AlertRecord
{
    public required AlertEpisode Episode { get; init; }
    public bool Withdrawn { get; init; }
    public Acknowledgement? Acknowledgement { get; init; }

    [JsonIgnore]
    public string Id => Episode.Id;

    [JsonIgnore]
    public AlertState State =>
        Withdrawn ? AlertState.Withdrawn
        : Episode.IsResolved ? AlertState.Resolved
        : Acknowledgement is not null ? AlertState.Acknowledged
        : AlertState.Open;
}

/// <summary>One entry of the ordered alert event log; <see cref="Cursor"/> is its position.</summary>
public sealed record AlertEventRecord(string Cursor, AlertEventType Type, AlertRecord Alert, DateTimeOffset RecordedAt);
