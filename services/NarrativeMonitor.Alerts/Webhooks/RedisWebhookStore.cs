using System.Text.Json;
using NarrativeMonitor.ServiceDefaults;
using StackExchange.Redis;

namespace NarrativeMonitor.Alerts.Webhooks;

/// <summary>
/// Webhooks and deliveries in Redis (keys below carry the configured prefix).
/// Keys:
///   whk:hooks            hash    webhook id -> webhook JSON (secret included: it must sign; protect Redis accordingly)
///   whk:cursor           string  cursor of the last alert event fanned out (compare-and-set in MULTI/EXEC)
///   whk:seq              string  delivery sequence counter (INCRBY)
///   whk:d:{delivery}     string  delivery JSON
///   whk:b:{delivery}     string  the body every attempt sends; deleted once the delivery is finished
///   whk:due:{webhook}    zset    pending delivery ids scored by next attempt (Unix ms)
///   whk:log:{webhook}    zset    delivery ids scored by sequence: the delivery log
///   whk:done             zset    finished delivery ids scored by completion (Unix ms): what retention removes
///   whk:lease:{delivery} string  the attempting dispatcher's random token, TTL the lease (SET NX PX; compare-and-delete)
/// Lease expiry runs on Redis's clock, not the injected TimeProvider.
/// </summary>
public sealed class RedisWebhookStore(IDatabase database) : IWebhookStore
{
    private const string WebhooksKey = "whk:hooks";
    private const string CursorKey = "whk:cursor";
    private const string SequenceKey = "whk:seq";
    private const string DoneKey = "whk:done";
    private readonly RedisLeases _leases = new(database, "whk:lease:");

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public Task CreateAsync(WebhookRecord webhook, CancellationToken cancellationToken = default) =>
        database.HashSetAsync(WebhooksKey, webhook.Id, JsonSerializer.Serialize(webhook, Json));

    public async Task<IReadOnlyList<WebhookRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        var values = await database.HashValuesAsync(WebhooksKey);
        return values.Select(Deserialize<WebhookRecord>).OrderBy(w => w.Id, StringComparer.Ordinal).ToList();
    }

    public async Task<WebhookRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var value = await database.HashGetAsync(WebhooksKey, id);
        return value.IsNull ? null : Deserialize<WebhookRecord>(value);
    }

    public async Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        if (!await database.HashDeleteAsync(WebhooksKey, id))
        {
            return false;
        }

        foreach (var deliveryId in await database.SortedSetRangeByRankAsync(DueKey(id)))
        {
            if (await GetDeliveryAsync(deliveryId.ToString(), cancellationToken) is { IsFinished: false } pending)
            {
                await SaveDeliveryAsync(WebhookDispatcher.FailedByDeletion(pending, now), cancellationToken);
            }
        }

        await database.KeyDeleteAsync(DueKey(id));
        return true;
    }

    public async Task<string?> GetCursorAsync(CancellationToken cancellationToken = default)
    {
        var value = await database.StringGetAsync(CursorKey);
        return value.IsNull ? null : value.ToString();
    }

    public Task InitializeCursorAsync(string cursor, CancellationToken cancellationToken = default) =>
        database.StringSetAsync(CursorKey, cursor, when: When.NotExists);

    public async Task<bool> EnqueueAsync(string expectedCursor, string newCursor, IReadOnlyList<NewDelivery> deliveries, CancellationToken cancellationToken = default)
    {
        // Numbers taken by a transaction that then loses the race are skipped: the log needs order, not density.
        var last = deliveries.Count == 0 ? 0 : await database.StringIncrementAsync(SequenceKey, deliveries.Count);
        var transaction = database.CreateTransaction();
        transaction.AddCondition(Condition.StringEqual(CursorKey, expectedCursor));
        for (var i = 0; i < deliveries.Count; i++)
        {
            var delivery = deliveries[i].Delivery with { Sequence = last - deliveries.Count + 1 + i };
            _ = transaction.StringSetAsync(DeliveryKey(delivery.Id), JsonSerializer.Serialize(delivery, Json));
            _ = transaction.StringSetAsync(BodyKey(delivery.Id), deliveries[i].Body);
            _ = transaction.SortedSetAddAsync(DueKey(delivery.WebhookId), delivery.Id, UnixMs(delivery.NextAttemptAt!.Value));
            _ = transaction.SortedSetAddAsync(LogKey(delivery.WebhookId), delivery.Id, delivery.Sequence);
        }

        _ = transaction.StringSetAsync(CursorKey, newCursor);
        return await transaction.ExecuteAsync();
    }

    public async Task<IReadOnlyList<string>> DueAsync(string webhookId, DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        var ids = await database.SortedSetRangeByScoreAsync(DueKey(webhookId), double.NegativeInfinity, UnixMs(now), take: max);
        return ids.Select(id => id.ToString()).ToList();
    }

    public async Task<DeliveryRecord?> GetDeliveryAsync(string id, CancellationToken cancellationToken = default)
    {
        var value = await database.StringGetAsync(DeliveryKey(id));
        return value.IsNull ? null : Deserialize<DeliveryRecord>(value);
    }

    public async Task<string?> GetBodyAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        var value = await database.StringGetAsync(BodyKey(deliveryId));
        return value.IsNull ? null : value.ToString();
    }

    public async Task SaveDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default)
    {
        var transaction = database.CreateTransaction();
        _ = transaction.StringSetAsync(DeliveryKey(delivery.Id), JsonSerializer.Serialize(delivery, Json));
        if (delivery.IsFinished)
        {
            _ = transaction.SortedSetRemoveAsync(DueKey(delivery.WebhookId), delivery.Id);
            _ = transaction.KeyDeleteAsync(BodyKey(delivery.Id));
            _ = transaction.SortedSetAddAsync(DoneKey, delivery.Id, UnixMs(delivery.CompletedAt ?? delivery.LastAttemptAt ?? delivery.CreatedAt));
        }
        else
        {
            _ = transaction.SortedSetAddAsync(DueKey(delivery.WebhookId), delivery.Id, UnixMs(delivery.NextAttemptAt!.Value));
        }

        await transaction.ExecuteAsync();
    }

    public async Task<DeliveryPage> ListDeliveriesAsync(string webhookId, int pageSize, long? before, CancellationToken cancellationToken = default)
    {
        var entries = await database.SortedSetRangeByScoreWithScoresAsync(
            LogKey(webhookId), double.NegativeInfinity, before ?? double.PositiveInfinity,
            before is null ? Exclude.None : Exclude.Stop, Order.Descending, 0, pageSize + 1);
        var shown = entries.Take(pageSize).ToList();
        if (shown.Count == 0)
        {
            return new DeliveryPage([], null);
        }

        // A delivery purged between the two reads is left out.
        var values = await database.StringGetAsync(shown.Select(e => (RedisKey)DeliveryKey(e.Element.ToString())).ToArray());
        var page = values.Where(v => !v.IsNull).Select(Deserialize<DeliveryRecord>).ToList();
        return new DeliveryPage(page, entries.Length > pageSize ? (long)shown[^1].Score : null);
    }

    public async Task<int> PurgeAsync(DateTimeOffset finishedBefore, int max, CancellationToken cancellationToken = default)
    {
        var ids = await database.SortedSetRangeByScoreAsync(DoneKey, double.NegativeInfinity, UnixMs(finishedBefore), Exclude.Stop, take: max);
        foreach (var id in ids.Select(id => id.ToString()))
        {
            var transaction = database.CreateTransaction();
            _ = transaction.SortedSetRemoveAsync(LogKey(DeliveryRecord.WebhookIdOf(id)), id);
            _ = transaction.KeyDeleteAsync([DeliveryKey(id), BodyKey(id)]);
            _ = transaction.SortedSetRemoveAsync(DoneKey, id);
            await transaction.ExecuteAsync();
        }

        return ids.Length;
    }

    public Task<string?> TryLeaseAsync(string deliveryId, TimeSpan duration, CancellationToken cancellationToken = default) =>
        _leases.TryAcquireAsync(deliveryId, duration, cancellationToken);

    public Task ReleaseLeaseAsync(string deliveryId, string token, CancellationToken cancellationToken = default) =>
        _leases.ReleaseAsync(deliveryId, token, cancellationToken);

    private static double UnixMs(DateTimeOffset at) => at.ToUnixTimeMilliseconds();

    private static T Deserialize<T>(RedisValue value) =>
        JsonSerializer.Deserialize<T>(value.ToString(), Json) ?? throw new InvalidDataException($"Redis holds a null {typeof(T).Name}");

    private static string DeliveryKey(string id) => "whk:d:" + id;
    private static string BodyKey(string id) => "whk:b:" + id;
    private static string DueKey(string webhookId) => "whk:due:" + webhookId;
    private static string LogKey(string webhookId) => "whk:log:" + webhookId;
}
