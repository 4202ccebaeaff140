using System.Globalization;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Alerts;

/// <summary>The ledger, alerts and event log in process memory, under one lock. Cursors are event sequence numbers.</summary>
public sealed class InMemoryAlertStore : IAlertLedger, IAlertStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, ClaimEntry> _claims = new(StringComparer.Ordinal);
    private readonly Dictionary<(string Claim, string Source), OutletEntry> _outlets = [];
    private readonly Dictionary<string, AlertRecord> _alerts = new(StringComparer.Ordinal);
    private readonly List<AlertEventRecord> _events = [];
    private TaskCompletionSource _eventAppended = NewSignal();

    public Task<bool> RecordObservationAsync(string claimId, string sourceId, Observation observation, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var outlet = Outlet(claimId, sourceId);
            if (!outlet.Observations.TryAdd(observation.ArticleId, observation))
            {
                return Task.FromResult(false);
            }

            outlet.Version++;
            Claim(claimId).Outlets.Add(sourceId);
            return Task.FromResult(true);
        }
    }

    public Task<bool> RecordConfirmationAsync(string claimId, Confirmation confirmation, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var claim = Claim(claimId);
            if (!claim.Confirmations.TryAdd(confirmation.ArticleId, confirmation))
            {
                return Task.FromResult(false);
            }

            claim.Version++;
            return Task.FromResult(true);
        }
    }

    public Task<bool> RecordRulesAsync(string claimId, ClaimRules rules, ClaimDescription? description = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var claim = Claim(claimId);
            if (claim.Rules == rules && (description is null || claim.Description == description))
            {
                return Task.FromResult(false);
            }

            claim.Rules = rules;
            claim.Description = description ?? claim.Description;
            claim.Version++;
            return Task.FromResult(true);
        }
    }

    public Task<bool> RecordTimelineAsync(string claimId, TimelineEntry entry, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var claim = Claim(claimId);
            if (!claim.TimelineArticles.Add(entry.ArticleId))
            {
                return Task.FromResult(false);
            }

            var key = (entry.SourceId, entry.SourceKind, DateOnly.FromDateTime(entry.PublishedAt.UtcDateTime), entry.Stance);
            claim.Timeline[key] = claim.Timeline.GetValueOrDefault(key) + 1;
            return Task.FromResult(true);
        }
    }

    public Task<ClaimTimelineData> ReadTimelineAsync(string claimId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_claims.TryGetValue(claimId, out var claim))
            {
                return Task.FromResult(new ClaimTimelineData([], [], ClaimRules.Default));
            }

            return Task.FromResult(new ClaimTimelineData(
                claim.Timeline.Select(t => new TimelineCount(t.Key.Source, t.Key.Kind, t.Key.Day, t.Key.Stance, t.Value)).ToList(),
                claim.Confirmations.Values.ToList(),
                claim.Rules));
        }
    }

    public Task<IReadOnlyList<string>> ListOutletsAsync(string claimId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<string> outlets = _claims.TryGetValue(claimId, out var claim) ? claim.Outlets.Order(StringComparer.Ordinal).ToList() : [];
            return Task.FromResult(outlets);
        }
    }

    public Task<LedgerSnapshot> ReadAsync(string claimId, string sourceId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _claims.TryGetValue(claimId, out var claim);
            _outlets.TryGetValue((claimId, sourceId), out var outlet);
            var alerts = outlet?.AlertIds.ToDictionary(id => id, id => _alerts[id], StringComparer.Ordinal) ?? [];
            return Task.FromResult(new LedgerSnapshot(
                claimId,
                sourceId,
                claim?.Rules ?? ClaimRules.Default,
                claim?.Confirmations.Values.ToList() ?? [],
                outlet?.Observations.Values.ToList() ?? [],
                alerts,
                claim?.Version ?? 0,
                outlet?.Version ?? 0)
            {
                Description = claim?.Description,
            });
        }
    }

    public Task<IReadOnlyList<AlertEventRecord>?> CommitAsync(LedgerSnapshot snapshot, IReadOnlyList<AlertChange> changes, DateTimeOffset recordedAt, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var claimVersion = _claims.TryGetValue(snapshot.ClaimId, out var claim) ? claim.Version : 0;
            var outlet = Outlet(snapshot.ClaimId, snapshot.SourceId);
            var analystActedSince = changes.Any(c =>
                snapshot.Alerts.TryGetValue(c.Alert.Id, out var seen) &&
                _alerts.TryGetValue(c.Alert.Id, out var now) && AlertAudit.ChangedSince(seen, now));
            if (claimVersion != snapshot.ClaimVersion || outlet.Version != snapshot.OutletVersion || analystActedSince)
            {
                return Task.FromResult<IReadOnlyList<AlertEventRecord>?>(null);
            }

            outlet.Version++;
            var appended = new List<AlertEventRecord>();
            foreach (var change in changes)
            {
                var audit = _alerts.TryGetValue(change.Alert.Id, out var stored) ? stored.Audit : change.Alert.Audit;
                if (change.Event is { } type)
                {
                    audit = [.. audit, AlertAudit.ForChange(change, type, recordedAt)];
                }

                var alert = change.Alert with { Audit = audit };
                _alerts[alert.Id] = alert;
                outlet.AlertIds.Add(alert.Id);
                if (change.Event is { } eventType)
                {
                    appended.Add(Append(eventType, alert, recordedAt));
                }
            }

            return Task.FromResult<IReadOnlyList<AlertEventRecord>?>(appended);
        }
    }

    public Task<AlertPage> ListAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        var position = AlertPageToken.DecodeOrThrow(query.PageToken);
        lock (_lock)
        {
            var matching = _alerts.Values
                .Where(query.Matches)
                .Where(a => position is null || AlertPageToken.IsAfter(AlertPageToken.SortKey(a), a.Id, position.Value.Key, position.Value.Id))
                .OrderByDescending(AlertPageToken.SortKey)
                .ThenByDescending(a => a.Id, StringComparer.Ordinal)
                .Take(query.PageSize + 1)
                .ToList();
            return Task.FromResult(Page(matching, query.PageSize));
        }
    }

    public Task<AlertRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_alerts.GetValueOrDefault(id));
        }
    }

    public Task<AcknowledgeResult> AcknowledgeAsync(string id, string analyst, string note, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_alerts.TryGetValue(id, out var alert))
            {
                return Task.FromResult(new AcknowledgeResult(AcknowledgeOutcome.NotFound, null, null));
            }

            if (alert.Withdrawn)
            {
                return Task.FromResult(new AcknowledgeResult(AcknowledgeOutcome.Withdrawn, alert, null));
            }

            if (alert.Acknowledgement is not null)
            {
                return Task.FromResult(new AcknowledgeResult(AcknowledgeOutcome.AlreadyAcknowledged, alert, null));
            }

            var acknowledged = alert with
            {
                Acknowledgement = new Acknowledgement(analyst, note, at),
                Audit = [.. alert.Audit, new AlertAuditEntry(AlertEventType.Acknowledged, analyst, note, at)],
            };
            _alerts[id] = acknowledged;
            var appended = Append(AlertEventType.Acknowledged, acknowledged, at);
            return Task.FromResult(new AcknowledgeResult(AcknowledgeOutcome.Acknowledged, acknowledged, appended));
        }
    }

    public Task<ResolveResult> ResolveAsync(string id, string analyst, string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_alerts.TryGetValue(id, out var alert))
            {
                return Task.FromResult(new ResolveResult(ResolveOutcome.NotFound, null, null));
            }

            if (alert.Withdrawn)
            {
                return Task.FromResult(new ResolveResult(ResolveOutcome.Withdrawn, alert, null));
            }

            if (alert.IsResolved)
            {
                return Task.FromResult(new ResolveResult(ResolveOutcome.AlreadyResolved, alert, null));
            }

            var resolved = alert with
            {
                Resolution = new AnalystResolution(analyst, reason, at),
                Audit = [.. alert.Audit, new AlertAuditEntry(AlertEventType.Resolved, analyst, reason, at)],
            };
            _alerts[id] = resolved;
            var appended = Append(AlertEventType.Resolved, resolved, at);
            return Task.FromResult(new ResolveResult(ResolveOutcome.Resolved, resolved, appended));
        }
    }

    public bool IsValidCursor(string cursor) =>
        long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out _);

    public Task<string> LatestCursorAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_events.Count.ToString(CultureInfo.InvariantCulture));
        }
    }

    public Task<IReadOnlyList<AlertEventRecord>> ReadEventsAsync(string? afterCursor, int max, CancellationToken cancellationToken = default)
    {
        var after = ParseCursor(afterCursor);
        lock (_lock)
        {
            IReadOnlyList<AlertEventRecord> events = after >= _events.Count ? [] : _events.Skip((int)after).Take(max).ToList();
            return Task.FromResult(events);
        }
    }

    public async Task WaitForEventsAsync(string? afterCursor, CancellationToken cancellationToken = default)
    {
        var after = ParseCursor(afterCursor);
        while (true)
        {
            Task signal;
            lock (_lock)
            {
                if (_events.Count > after)
                {
                    return;
                }

                signal = _eventAppended.Task;
            }

            await signal.WaitAsync(cancellationToken);
        }
    }

    private long ParseCursor(string? cursor) =>
        string.IsNullOrEmpty(cursor) ? 0
        : long.TryParse(cursor, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) ? sequence
        : throw new FormatException("not an event cursor of this service");

    private AlertEventRecord Append(AlertEventType type, AlertRecord alert, DateTimeOffset recordedAt)
    {
        var appended = new AlertEventRecord((_events.Count + 1).ToString(CultureInfo.InvariantCulture), type, alert, recordedAt);
        _events.Add(appended);
        var signal = _eventAppended;
        _eventAppended = NewSignal();
        signal.TrySetResult();
        return appended;
    }

    internal static AlertPage Page(List<AlertRecord> fetched, int pageSize) =>
        fetched.Count > pageSize
            ? new AlertPage(fetched.Take(pageSize).ToList(), AlertPageToken.Encode(fetched[pageSize - 1]))
            : new AlertPage(fetched, null);

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private ClaimEntry Claim(string claimId)
    {
        if (!_claims.TryGetValue(claimId, out var claim))
        {
            _claims[claimId] = claim = new ClaimEntry();
        }

        return claim;
    }

    private OutletEntry Outlet(string claimId, string sourceId)
    {
        if (!_outlets.TryGetValue((claimId, sourceId), out var outlet))
        {
            _outlets[(claimId, sourceId)] = outlet = new OutletEntry();
        }

        return outlet;
    }

    private sealed class ClaimEntry
    {
        public long Version { get; set; }
        public ClaimRules Rules { get; set; } = ClaimRules.Default;
        public ClaimDescription? Description { get; set; }
        public HashSet<string> TimelineArticles { get; } = new(StringComparer.Ordinal);
        public Dictionary<(string Source, SourceKind Kind, DateOnly Day, Stance Stance), int> Timeline { get; } = [];
        public Dictionary<string, Confirmation> Confirmations { get; } = new(StringComparer.Ordinal);
        public HashSet<string> Outlets { get; } = new(StringComparer.Ordinal);
    }

    private sealed class OutletEntry
    {
        public long Version { get; set; }
        public Dictionary<string, Observation> Observations { get; } = new(StringComparer.Ordinal);
        public HashSet<string> AlertIds { get; } = new(StringComparer.Ordinal);
    }
}
