using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using StackExchange.Redis;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// The ledger, alerts and event log in Redis (keys below carry the configured prefix). Every write that must be atomic
/// is a MULTI/EXEC transaction with conditions; the event log is one Redis stream, so every replica sees every event
/// in one order, and an event's cursor is its stream entry id.
/// Keys:
///   cv:{claim}         string  version of the claim's confirmations and rules (INCR)
///   cr:{claim}         string  the claim's latest rules, JSON
///   cd:{claim}         string  the claim's statement and topic, JSON
///   tl:{claim}         hash    article id -> stance, for every article counted in the timeline (once each)
///   tc:{claim}         hash    "{source}|{source kind}|{yyyy-MM-dd}|{stance}" -> articles
///   cf:{claim}         hash    article id -> confirmation JSON
///   co:{claim}         set     state outlets observed on the claim
///   ov:{claim}:{src}   string  version of the outlet's observations and alerts (INCR)
///   ob:{claim}:{src}   hash    article id -> observation JSON
///   oa:{claim}:{src}   set     alert ids of the outlet on the claim
///   a:{id}             string  alert JSON (without acknowledgement)
///   ak:{id}            string  the analyst's acknowledgement JSON
///   ar:{id}            string  the analyst's resolution JSON
///   au:{id}            list    the audit trail, one entry JSON per change, oldest first
///   ax                 zset    alert ids scored by raised time (microseconds since the epoch)
///   ev                 stream  alert events: t (type), a (alert JSON), r (recorded, Unix ms)
/// </summary>
public sealed partial class RedisAlertStore(IDatabase database, IOptions<AlertOptions> options) : IAlertLedger, IAlertStore
{
    private const string AlertIndexKey = "ax";
    private const string EventsKey = "ev";
    private const int ListBatch = 256;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public async Task<bool> RecordObservationAsync(string claimId, string sourceId, Observation observation, CancellationToken cancellationToken = default)
    {
        var transaction = database.CreateTransaction();
        transaction.AddCondition(Condition.HashNotExists(ObservationsKey(claimId, sourceId), observation.ArticleId));
        _ = transaction.HashSetAsync(ObservationsKey(claimId, sourceId), observation.ArticleId, Serialize(observation));
        _ = transaction.StringIncrementAsync(OutletVersionKey(claimId, sourceId));
        _ = transaction.SetAddAsync(OutletsKey(claimId), sourceId);
        return await transaction.ExecuteAsync();
    }

    public async Task<bool> RecordConfirmationAsync(string claimId, Confirmation confirmation, CancellationToken cancellationToken = default)
    {
        var transaction = database.CreateTransaction();
        transaction.AddCondition(Condition.HashNotExists(ConfirmationsKey(claimId), confirmation.ArticleId));
        _ = transaction.HashSetAsync(ConfirmationsKey(claimId), confirmation.ArticleId, Serialize(confirmation));
        _ = transaction.StringIncrementAsync(ClaimVersionKey(claimId));
        return await transaction.ExecuteAsync();
    }

    public async Task<bool> RecordRulesAsync(string claimId, ClaimRules rules, ClaimDescription? description = null, CancellationToken cancellationToken = default)
    {
        var serialized = Serialize(rules);
        RedisValue serializedDescription = description is null ? RedisValue.Null : Serialize(description);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var stored = await database.StringGetAsync([RulesKey(claimId), DescriptionKey(claimId)]);
            if (stored[0] == serialized && (description is null || stored[1] == serializedDescription))
            {
                return false;
            }

            var transaction = database.CreateTransaction();
            transaction.AddCondition(Unchanged(RulesKey(claimId), stored[0]));
            transaction.AddCondition(Unchanged(DescriptionKey(claimId), stored[1]));
            _ = transaction.StringSetAsync(RulesKey(claimId), serialized);
            if (description is not null)
            {
                _ = transaction.StringSetAsync(DescriptionKey(claimId), serializedDescription);
            }

            _ = transaction.StringIncrementAsync(ClaimVersionKey(claimId));
            if (await transaction.ExecuteAsync())
            {
                return true;
            }
        }
    }

    public async Task<bool> RecordTimelineAsync(string claimId, TimelineEntry entry, CancellationToken cancellationToken = default)
    {
        var transaction = database.CreateTransaction();
        transaction.AddCondition(Condition.HashNotExists(TimelineArticlesKey(claimId), entry.ArticleId));
        _ = transaction.HashSetAsync(TimelineArticlesKey(claimId), entry.ArticleId, (int)entry.Stance);
        _ = transaction.HashIncrementAsync(TimelineCountsKey(claimId), TimelineField(entry));
        return await transaction.ExecuteAsync();
    }

    public async Task<ClaimTimelineData> ReadTimelineAsync(string claimId, CancellationToken cancellationToken = default)
    {
        var countsTask = database.HashGetAllAsync(TimelineCountsKey(claimId));
        var confirmationsTask = database.HashValuesAsync(ConfirmationsKey(claimId));
        var rulesTask = database.StringGetAsync(RulesKey(claimId));
        await Task.WhenAll(countsTask, confirmationsTask, rulesTask);
        var counts = new List<TimelineCount>(countsTask.Result.Length);
        foreach (var entry in countsTask.Result)
        {
            var parts = entry.Name.ToString().Split('|');
            counts.Add(new TimelineCount(
                string.Join('|', parts[..^3]),
                (SourceKind)int.Parse(parts[^3], System.Globalization.CultureInfo.InvariantCulture),
                DateOnly.ParseExact(parts[^2], "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture),
                (Stance)int.Parse(parts[^1], System.Globalization.CultureInfo.InvariantCulture),
                (int)entry.Value));
        }

        return new ClaimTimelineData(
            counts,
            confirmationsTask.Result.Select(Deserialize<Confirmation>).ToList(),
            rulesTask.Result.IsNull ? ClaimRules.Default : Deserialize<ClaimRules>(rulesTask.Result));
    }

    private static string TimelineField(TimelineEntry entry) =>
        string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{entry.SourceId}|{(int)entry.SourceKind}|{entry.PublishedAt.UtcDateTime:yyyy-MM-dd}|{(int)entry.Stance}");

    public async Task<IReadOnlyList<string>> ListOutletsAsync(string claimId, CancellationToken cancellationToken = default)
    {
        var members = await database.SetMembersAsync(OutletsKey(claimId));
        return members.Select(m => m.ToString()).Order(StringComparer.Ordinal).ToList();
    }

    public async Task<LedgerSnapshot> ReadAsync(string claimId, string sourceId, CancellationToken cancellationToken = default)
    {
        // Versions first: anything written after this read bumps a version, so a commit based on this snapshot fails.
        var versions = await database.StringGetAsync([ClaimVersionKey(claimId), OutletVersionKey(claimId, sourceId)]);
        var rulesTask = database.StringGetAsync(RulesKey(claimId));
        var descriptionTask = database.StringGetAsync(DescriptionKey(claimId));
        var confirmationsTask = database.HashValuesAsync(ConfirmationsKey(claimId));
        var observationsTask = database.HashValuesAsync(ObservationsKey(claimId, sourceId));
        var alertIdsTask = database.SetMembersAsync(OutletAlertsKey(claimId, sourceId));
        await Task.WhenAll(rulesTask, descriptionTask, confirmationsTask, observationsTask, alertIdsTask);

        var alerts = await ReadAlertsAsync(alertIdsTask.Result.Select(id => id.ToString()).ToList());
        var rules = rulesTask.Result;
        return new LedgerSnapshot(
            claimId,
            sourceId,
            rules.IsNull ? ClaimRules.Default : Deserialize<ClaimRules>(rules),
            confirmationsTask.Result.Select(Deserialize<Confirmation>).ToList(),
            observationsTask.Result.Select(Deserialize<Observation>).ToList(),
            alerts.ToDictionary(a => a.Id, StringComparer.Ordinal),
            versions[0].IsNull ? 0 : (long)versions[0],
            versions[1].IsNull ? 0 : (long)versions[1])
        {
            Description = descriptionTask.Result.IsNull ? null : Deserialize<ClaimDescription>(descriptionTask.Result),
        };
    }

    public async Task<IReadOnlyList<AlertEventRecord>?> CommitAsync(LedgerSnapshot snapshot, IReadOnlyList<AlertChange> changes, DateTimeOffset recordedAt, CancellationToken cancellationToken = default)
    {
        var transaction = database.CreateTransaction();
        transaction.AddCondition(VersionCondition(ClaimVersionKey(snapshot.ClaimId), snapshot.ClaimVersion));
        transaction.AddCondition(VersionCondition(OutletVersionKey(snapshot.ClaimId, snapshot.SourceId), snapshot.OutletVersion));
        var audits = new Dictionary<string, IReadOnlyList<AlertAuditEntry>>(StringComparer.Ordinal);
        foreach (var change in changes)
        {
            if (snapshot.Alerts.TryGetValue(change.Alert.Id, out var seen) && audits.TryAdd(seen.Id, seen.Audit))
            {
                // The events carry the alert as the snapshot saw it: an analyst's action since then must not be lost.
                transaction.AddCondition(Condition.ListLengthEqual(AuditKey(seen.Id), seen.Audit.Count));
                if (seen.Acknowledgement is null)
                {
                    transaction.AddCondition(Condition.KeyNotExists(AcknowledgementKey(seen.Id)));
                }

                if (seen.Resolution is null)
                {
                    transaction.AddCondition(Condition.KeyNotExists(ResolutionKey(seen.Id)));
                }
            }
        }

        _ = transaction.StringIncrementAsync(OutletVersionKey(snapshot.ClaimId, snapshot.SourceId));
        var appends = new List<(Task<RedisValue> Id, AlertEventType Type, AlertRecord Alert)>();
        foreach (var change in changes)
        {
            var audit = audits.GetValueOrDefault(change.Alert.Id) ?? change.Alert.Audit;
            if (change.Event is { } type)
            {
                var entry = AlertAudit.ForChange(change, type, recordedAt);
                audit = [.. audit, entry];
                _ = transaction.ListRightPushAsync(AuditKey(change.Alert.Id), Serialize(entry));
            }

            audits[change.Alert.Id] = audit;
            var alert = change.Alert with { Audit = audit };
            _ = transaction.StringSetAsync(AlertKey(alert.Id), Serialize(Stripped(alert)));
            _ = transaction.SetAddAsync(OutletAlertsKey(snapshot.ClaimId, snapshot.SourceId), alert.Id);
            _ = transaction.SortedSetAddAsync(AlertIndexKey, alert.Id, AlertPageToken.SortKey(alert));
            if (change.Event is { } eventType)
            {
                appends.Add((AppendEvent(transaction, eventType, alert, recordedAt), eventType, alert));
            }
        }

        if (!await transaction.ExecuteAsync())
        {
            return null;
        }

        var events = new List<AlertEventRecord>(appends.Count);
        foreach (var (id, type, alert) in appends)
        {
            events.Add(new AlertEventRecord((await id).ToString(), type, alert, recordedAt));
        }

        return events;
    }

    public async Task<AlertPage> ListAsync(AlertQuery query, CancellationToken cancellationToken = default)
    {
        var position = AlertPageToken.DecodeOrThrow(query.PageToken);
        var fetched = new List<AlertRecord>();
        // Inclusive bounds on the score (raised time in whole microseconds); Matches applies the exact times.
        double maxScore = Math.Min(position?.Key ?? double.PositiveInfinity,
            query.RaisedBefore is { } before ? AlertPageToken.SortKey(before) : double.PositiveInfinity);
        double minScore = query.RaisedAfter is { } after ? AlertPageToken.SortKey(after) : double.NegativeInfinity;
        for (long skip = 0; fetched.Count <= query.PageSize; skip += ListBatch)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var entries = await database.SortedSetRangeByScoreWithScoresAsync(
                AlertIndexKey, minScore, maxScore, Exclude.None, Order.Descending, skip, ListBatch);
            var candidates = entries
                .Select(e => (Id: e.Element.ToString(), Key: (long)e.Score))
                .Where(e => position is null || AlertPageToken.IsAfter(e.Key, e.Id, position.Value.Key, position.Value.Id))
                .ToList();
            var alerts = await ReadAlertsAsync(candidates.Select(c => c.Id).ToList());
            // Redis orders equal scores by member descending, which is the list order; keep it.
            foreach (var alert in alerts.Where(query.Matches))
            {
                fetched.Add(alert);
                if (fetched.Count > query.PageSize)
                {
                    break;
                }
            }

            if (entries.Length < ListBatch)
            {
                break;
            }
        }

        return InMemoryAlertStore.Page(fetched, query.PageSize);
    }

    public async Task<AlertRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        (await ReadAlertsAsync([id])).SingleOrDefault();

    public async Task<AcknowledgeResult> AcknowledgeAsync(string id, string analyst, string note, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (stored, raw) = await ReadAlertAsync(id);
            if (stored is null)
            {
                return new AcknowledgeResult(AcknowledgeOutcome.NotFound, null, null);
            }

            var alert = stored;
            if (alert.Withdrawn)
            {
                return new AcknowledgeResult(AcknowledgeOutcome.Withdrawn, alert, null);
            }

            if (alert.Acknowledgement is not null)
            {
                return new AcknowledgeResult(AcknowledgeOutcome.AlreadyAcknowledged, alert, null);
            }

            var entry = new AlertAuditEntry(AlertEventType.Acknowledged, analyst, note, at);
            var acknowledged = alert with { Acknowledgement = new Acknowledgement(analyst, note, at), Audit = [.. alert.Audit, entry] };
            var transaction = database.CreateTransaction();
            transaction.AddCondition(Condition.KeyNotExists(AcknowledgementKey(id)));
            AddUnchangedConditions(transaction, alert, raw);
            _ = transaction.StringSetAsync(AcknowledgementKey(id), Serialize(acknowledged.Acknowledgement));
            _ = transaction.ListRightPushAsync(AuditKey(id), Serialize(entry));
            var eventId = AppendEvent(transaction, AlertEventType.Acknowledged, acknowledged, at);
            if (await transaction.ExecuteAsync())
            {
                var appended = new AlertEventRecord((await eventId).ToString(), AlertEventType.Acknowledged, acknowledged, at);
                return new AcknowledgeResult(AcknowledgeOutcome.Acknowledged, acknowledged, appended);
            }
        }
    }

    public async Task<ResolveResult> ResolveAsync(string id, string analyst, string reason, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (alert, raw) = await ReadAlertAsync(id);
            if (alert is null)
            {
                return new ResolveResult(ResolveOutcome.NotFound, null, null);
            }

            if (alert.Withdrawn)
            {
                return new ResolveResult(ResolveOutcome.Withdrawn, alert, null);
            }

            if (alert.IsResolved)
            {
                return new ResolveResult(ResolveOutcome.AlreadyResolved, alert, null);
            }

            var entry = new AlertAuditEntry(AlertEventType.Resolved, analyst, reason, at);
            var resolved = alert with { Resolution = new AnalystResolution(analyst, reason, at), Audit = [.. alert.Audit, entry] };
            var transaction = database.CreateTransaction();
            transaction.AddCondition(Condition.KeyNotExists(ResolutionKey(id)));
            AddUnchangedConditions(transaction, alert, raw);
            _ = transaction.StringSetAsync(ResolutionKey(id), Serialize(resolved.Resolution));
            _ = transaction.ListRightPushAsync(AuditKey(id), Serialize(entry));
            var eventId = AppendEvent(transaction, AlertEventType.Resolved, resolved, at);
            if (await transaction.ExecuteAsync())
            {
                var appended = new AlertEventRecord((await eventId).ToString(), AlertEventType.Resolved, resolved, at);
                return new ResolveResult(ResolveOutcome.Resolved, resolved, appended);
            }
        }
    }

    /// <summary>The alert as stored, and its raw JSON (null when there is no such alert).</summary>
    private async Task<(AlertRecord? Alert, RedisValue Raw)> ReadAlertAsync(string id)
    {
        var valuesTask = database.StringGetAsync([AlertKey(id), AcknowledgementKey(id), ResolutionKey(id)]);
        var auditTask = database.ListRangeAsync(AuditKey(id));
        await Task.WhenAll(valuesTask, auditTask);
        var values = valuesTask.Result;
        return values[0].IsNull ? (null, RedisValue.Null) : (ToRecord(values[0], values[1], values[2], auditTask.Result), values[0]);
    }

    /// <summary>Conditions under which an analyst's change to <paramref name="alert"/> applies: nobody changed it since it was read.</summary>
    private static void AddUnchangedConditions(ITransaction transaction, AlertRecord alert, RedisValue raw)
    {
        transaction.AddCondition(Condition.StringEqual(AlertKey(alert.Id), raw));
        transaction.AddCondition(Condition.ListLengthEqual(AuditKey(alert.Id), alert.Audit.Count));
    }

    public bool IsValidCursor(string cursor) => StreamIdPattern().IsMatch(cursor);

    public async Task<string> LatestCursorAsync(CancellationToken cancellationToken = default)
    {
        var newest = await database.StreamRangeAsync(EventsKey, "-", "+", 1, Order.Descending);
        return newest.Length == 0 ? "0-0" : newest[0].Id.ToString();
    }

    public async Task<IReadOnlyList<AlertEventRecord>> ReadEventsAsync(string? afterCursor, int max, CancellationToken cancellationToken = default)
    {
        var entries = await database.StreamRangeAsync(EventsKey, After(afterCursor), "+", max, Order.Ascending);
        return entries.Select(ToEvent).ToList();
    }

    public async Task WaitForEventsAsync(string? afterCursor, CancellationToken cancellationToken = default)
    {
        // StackExchange.Redis multiplexes one connection and has no blocking XREAD: poll with short sleeps.
        var interval = TimeSpan.FromMilliseconds(options.Value.SubscribePollIntervalMilliseconds);
        var start = After(afterCursor);
        while ((await database.StreamRangeAsync(EventsKey, start, "+", 1, Order.Ascending)).Length == 0)
        {
            await Task.Delay(interval, cancellationToken);
        }
    }

    private RedisValue After(string? cursor) =>
        string.IsNullOrEmpty(cursor) ? "-"
        : IsValidCursor(cursor) ? "(" + cursor
        : throw new FormatException("not an event cursor of this service");

    private async Task<List<AlertRecord>> ReadAlertsAsync(IReadOnlyList<string> ids)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        var keys = ids.SelectMany(id => new RedisKey[] { AlertKey(id), AcknowledgementKey(id), ResolutionKey(id) }).ToArray();
        var valuesTask = database.StringGetAsync(keys);
        var auditTasks = ids.Select(id => database.ListRangeAsync(AuditKey(id))).ToArray();
        var values = await valuesTask;
        var audits = await Task.WhenAll(auditTasks);
        var alerts = new List<AlertRecord>(ids.Count);
        for (var i = 0; i < ids.Count; i++)
        {
            if (!values[3 * i].IsNull)
            {
                alerts.Add(ToRecord(values[3 * i], values[3 * i + 1], values[3 * i + 2], audits[i]));
            }
        }

        return alerts;
    }

    private static AlertRecord ToRecord(RedisValue alert, RedisValue acknowledgement, RedisValue resolution, RedisValue[] audit) =>
        Deserialize<AlertRecord>(alert) with
        {
            Acknowledgement = acknowledgement.IsNull ? null : Deserialize<Acknowledgement>(acknowledgement),
            Resolution = resolution.IsNull ? null : Deserialize<AnalystResolution>(resolution),
            Audit = audit.Select(Deserialize<AlertAuditEntry>).ToList(),
        };

    /// <summary>The alert's own JSON: the analyst's parts and the audit trail live under keys of their own.</summary>
    private static AlertRecord Stripped(AlertRecord alert) => alert with { Acknowledgement = null, Resolution = null, Audit = [] };

    private static Condition Unchanged(RedisKey key, RedisValue seen) =>
        seen.IsNull ? Condition.KeyNotExists(key) : Condition.StringEqual(key, seen);

    private static Task<RedisValue> AppendEvent(ITransaction transaction, AlertEventType type, AlertRecord alert, DateTimeOffset recordedAt) =>
        transaction.StreamAddAsync(EventsKey, [
            new NameValueEntry("t", (int)type),
            new NameValueEntry("a", Serialize(alert)),
            new NameValueEntry("r", recordedAt.ToUnixTimeMilliseconds()),
        ]);

    private static AlertEventRecord ToEvent(StreamEntry entry) => new(
        entry.Id.ToString(),
        (AlertEventType)(int)entry["t"],
        Deserialize<AlertRecord>(entry["a"]),
        DateTimeOffset.FromUnixTimeMilliseconds((long)entry["r"]));

    private static Condition VersionCondition(RedisKey key, long version) =>
        version == 0 ? Condition.KeyNotExists(key) : Condition.StringEqual(key, version);

    private static string Serialize<T>(T value) => JsonSerializer.Serialize(value, Json);

    private static T Deserialize<T>(RedisValue value) =>
        JsonSerializer.Deserialize<T>(value.ToString(), Json) ?? throw new InvalidDataException($"Redis holds a null {typeof(T).Name}");

    /// <summary>
    /// Drops the events recorded before <paramref name="cutoff"/> (XTRIM MINID; entry ids start with Redis's time in
    /// milliseconds), so the stream keeps <see cref="AlertOptions.EventRetention"/> of history. Answers how many went.
    /// </summary>
    public Task<long> TrimEventsAsync(DateTimeOffset cutoff) =>
        database.StreamTrimByMinIdAsync(EventsKey, $"{Math.Max(0, cutoff.ToUnixTimeMilliseconds())}-0");

    private static RedisKey ClaimVersionKey(string claimId) => $"cv:{claimId}";
    private static RedisKey RulesKey(string claimId) => $"cr:{claimId}";
    private static RedisKey ConfirmationsKey(string claimId) => $"cf:{claimId}";
    private static RedisKey OutletsKey(string claimId) => $"co:{claimId}";
    private static RedisKey OutletVersionKey(string claimId, string sourceId) => $"ov:{claimId}:{sourceId}";
    private static RedisKey ObservationsKey(string claimId, string sourceId) => $"ob:{claimId}:{sourceId}";
    private static RedisKey OutletAlertsKey(string claimId, string sourceId) => $"oa:{claimId}:{sourceId}";
    private static RedisKey AlertKey(string id) => $"a:{id}";
    private static RedisKey AcknowledgementKey(string id) => $"ak:{id}";
    private static RedisKey ResolutionKey(string id) => $"ar:{id}";
    private static RedisKey AuditKey(string id) => $"au:{id}";
    private static RedisKey DescriptionKey(string claimId) => $"cd:{claimId}";
    private static RedisKey TimelineArticlesKey(string claimId) => $"tl:{claimId}";
    private static RedisKey TimelineCountsKey(string claimId) => $"tc:{claimId}";

    [GeneratedRegex(@"^\d{1,20}-\d{1,20}$")]
    private static partial Regex StreamIdPattern();
}
