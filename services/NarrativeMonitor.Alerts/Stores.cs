using System.Buffers.Text;
using System.Globalization;
using System.Text;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// What the evaluator reads of one claim and one state outlet. The versions change whenever the claim's confirmations
/// or rules, or the outlet's observations or alerts, change; a commit succeeds only if neither changed since.
/// </summary>
public sealed record LedgerSnapshot(
    string ClaimId,
    string SourceId,
    ClaimRules Rules,
    IReadOnlyList<Confirmation> Confirmations,
    IReadOnlyList<Observation> Observations,
    IReadOnlyDictionary<string, AlertRecord> Alerts,
    long ClaimVersion,
    long OutletVersion)
{
    /// <summary>The claim's statement and topic as last reported; null until a message carried them.</summary>
    public ClaimDescription? Description { get; init; }
}

/// <summary>
/// An alert record to write, and the event to log with it (none for a change of evidence only). A change with an event
/// also appends an audit entry by "system" with <paramref name="Note"/>, stamped with the commit's time.
/// </summary>
public sealed record AlertChange(AlertRecord Alert, AlertEventType? Event, string? Note = null);

/// <summary>How many articles of one source took one stance toward a claim on one UTC day.</summary>
public sealed record TimelineCount(string SourceId, SourceKind SourceKind, DateOnly Day, Stance Stance, int Articles);

/// <summary>One article's stance toward a claim, as the timeline counts it.</summary>
public sealed record TimelineEntry(string ArticleId, string SourceId, SourceKind SourceKind, DateTimeOffset PublishedAt, Stance Stance);

/// <summary>The per-claim, per-outlet ledger the rules are evaluated on.</summary>
public interface IAlertLedger
{
    /// <summary>Records a state outlet's article on a claim; false when that article was already recorded.</summary>
    Task<bool> RecordObservationAsync(string claimId, string sourceId, Observation observation, CancellationToken cancellationToken = default);

    /// <summary>Records an acknowledging article of a non-state source; false when that article was already recorded.</summary>
    Task<bool> RecordConfirmationAsync(string claimId, Confirmation confirmation, CancellationToken cancellationToken = default);

    /// <summary>
    /// Keeps the claim's latest rules and, when given, its statement and topic; true when either differs from the stored
    /// one (the claim's version changes, so every outlet's alerts are re-derived).
    /// </summary>
    Task<bool> RecordRulesAsync(string claimId, ClaimRules rules, ClaimDescription? description = null, CancellationToken cancellationToken = default);

    /// <summary>Counts an article's stance toward a claim in the claim's timeline, once per article; false when already counted.</summary>
    Task<bool> RecordTimelineAsync(string claimId, TimelineEntry entry, CancellationToken cancellationToken = default);

    /// <summary>The state outlets with at least one observation on the claim, ordered by id.</summary>
    Task<IReadOnlyList<string>> ListOutletsAsync(string claimId, CancellationToken cancellationToken = default);

    Task<LedgerSnapshot> ReadAsync(string claimId, string sourceId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Writes the alerts and appends their events atomically, if nothing changed since <paramref name="snapshot"/>.
    /// Returns the appended events, or null on a conflict (re-read and retry).
    /// </summary>
    Task<IReadOnlyList<AlertEventRecord>?> CommitAsync(LedgerSnapshot snapshot, IReadOnlyList<AlertChange> changes, DateTimeOffset recordedAt, CancellationToken cancellationToken = default);
}

public sealed record AlertQuery
{
    public string? ClaimId { get; init; }
    public string? SourceId { get; init; }
    public AlertKind? Kind { get; init; }
    /// <summary>Null: every state but withdrawn.</summary>
    public AlertState? State { get; init; }
    public int PageSize { get; init; } = 100;
    public string? PageToken { get; init; }
    /// <summary>Only alerts raised at or after this time.</summary>
    public DateTimeOffset? RaisedAfter { get; init; }
    /// <summary>Only alerts raised before this time.</summary>
    public DateTimeOffset? RaisedBefore { get; init; }

    /// <summary>Claim, outlet and kind only: the filter of a subscription.</summary>
    public bool MatchesSubject(AlertRecord alert) =>
        (string.IsNullOrEmpty(ClaimId) || alert.Episode.ClaimId == ClaimId) &&
        (string.IsNullOrEmpty(SourceId) || alert.Episode.SourceId == SourceId) &&
        (Kind is null || alert.Episode.Kind == Kind);

    public bool Matches(AlertRecord alert) =>
        (string.IsNullOrEmpty(ClaimId) || alert.Episode.ClaimId == ClaimId) &&
        (string.IsNullOrEmpty(SourceId) || alert.Episode.SourceId == SourceId) &&
        (Kind is null || alert.Episode.Kind == Kind) &&
        (State is null ? alert.State != AlertState.Withdrawn : alert.State == State) &&
        (RaisedAfter is null || alert.Episode.RaisedAt >= RaisedAfter) &&
        (RaisedBefore is null || alert.Episode.RaisedAt < RaisedBefore);
}

public sealed record AlertPage(IReadOnlyList<AlertRecord> Alerts, string? NextPageToken);

public sealed record ClaimTimelineData(IReadOnlyList<TimelineCount> Counts, IReadOnlyList<Confirmation> Confirmations, ClaimRules Rules);

public enum AcknowledgeOutcome
{
    Acknowledged,
    AlreadyAcknowledged,
    NotFound,
    Withdrawn,
}

public sealed record AcknowledgeResult(AcknowledgeOutcome Outcome, AlertRecord? Alert, AlertEventRecord? Event);

public enum ResolveOutcome
{
    Resolved,
    AlreadyResolved,
    NotFound,
    Withdrawn,
}

public sealed record ResolveResult(ResolveOutcome Outcome, AlertRecord? Alert, AlertEventRecord? Event);

/// <summary>Alerts and their event log, as the API reads them.</summary>
public interface IAlertStore
{
    /// <summary>Newest raised first (ties: greater id first). Throws <see cref="FormatException"/> for a bad page token.</summary>
    Task<AlertPage> ListAsync(AlertQuery query, CancellationToken cancellationToken = default);

    Task<AlertRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Records the analyst's acknowledgement, its audit entry and its event once; later calls return the alert unchanged.</summary>
    Task<AcknowledgeResult> AcknowledgeAsync(string id, string analyst, string note, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>
    /// Resolves an open or acknowledged alert by hand, with an audit entry and a Resolved event, once; an alert already
    /// resolved (by the outlet or an analyst) is returned unchanged.
    /// </summary>
    Task<ResolveResult> ResolveAsync(string id, string analyst, string reason, DateTimeOffset at, CancellationToken cancellationToken = default);

    /// <summary>The claim's stance counts per source and UTC day, and its confirmations and rules (for when it was confirmed).</summary>
    Task<ClaimTimelineData> ReadTimelineAsync(string claimId, CancellationToken cancellationToken = default);

    bool IsValidCursor(string cursor);

    /// <summary>The cursor of the newest event, or a cursor before every event when there is none.</summary>
    Task<string> LatestCursorAsync(CancellationToken cancellationToken = default);

    /// <summary>At most <paramref name="max"/> events right after <paramref name="afterCursor"/> (null: from the first), in order.</summary>
    Task<IReadOnlyList<AlertEventRecord>> ReadEventsAsync(string? afterCursor, int max, CancellationToken cancellationToken = default);

    /// <summary>Completes once there is an event after <paramref name="afterCursor"/> (null: any event).</summary>
    Task WaitForEventsAsync(string? afterCursor, CancellationToken cancellationToken = default);
}

/// <summary>The position of an alert in the list order (raised time desc, id desc), as an opaque page token.</summary>
public static class AlertPageToken
{
    public static long SortKey(AlertRecord alert) => SortKey(alert.Episode.RaisedAt);

    /// <summary>Microseconds since the Unix epoch: exact in a Redis sorted-set score (a double) for centuries.</summary>
    public static long SortKey(DateTimeOffset raisedAt) => (raisedAt.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) / 10;

    /// <summary>True when <paramref name="alert"/> comes after the position (key, id) in list order.</summary>
    public static bool IsAfter(long key, string id, long positionKey, string positionId) =>
        key < positionKey || (key == positionKey && string.CompareOrdinal(id, positionId) < 0);

    public static string Encode(AlertRecord alert) =>
        Base64Url.EncodeToString(Encoding.UTF8.GetBytes($"{SortKey(alert).ToString(CultureInfo.InvariantCulture)}|{alert.Id}"));

    public static bool TryDecode(string token, out long key, out string id)
    {
        key = 0;
        id = "";
        try
        {
            var text = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(token));
            var separator = text.IndexOf('|');
            if (separator <= 0 || separator == text.Length - 1 ||
                !long.TryParse(text.AsSpan(0, separator), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out key))
            {
                return false;
            }

            id = text[(separator + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    public static (long Key, string Id)? DecodeOrThrow(string? token)
    {
        if (string.IsNullOrEmpty(token))
        {
            return null;
        }

        return TryDecode(token, out var key, out var id) ? (key, id) : throw new FormatException("not a page token of this service");
    }
}

/// <summary>The audit entries the stores append for the system's changes and the analysts' actions.</summary>
public static class AlertAudit
{
    public const string SystemActor = "system";

    /// <summary>The audit entry of a committed change: its note, or what the change means when it has none.</summary>
    public static AlertAuditEntry ForChange(AlertChange change, AlertEventType type, DateTimeOffset at) =>
        new(type, SystemActor, change.Note ?? type switch
        {
            AlertEventType.Raised => AlertExplanations.RaisedNote(change.Alert.Episode),
            AlertEventType.Resolved => AlertExplanations.ResolutionReason(change.Alert.Episode),
            AlertEventType.Withdrawn => AlertExplanations.WithdrawnNote,
            _ => "",
        }, at);

    /// <summary>True when an analyst acted on the alert between <paramref name="seen"/> and <paramref name="now"/>.</summary>
    public static bool ChangedSince(AlertRecord seen, AlertRecord now) =>
        now.Audit.Count != seen.Audit.Count ||
        (seen.Acknowledgement is null && now.Acknowledgement is not null) ||
        (seen.Resolution is null && now.Resolution is not null);
}
