using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Alerts.Webhooks;

/// <summary>Webhook registrations, the dispatcher's cursor into the alert event log, deliveries and their leases.</summary>
public interface IWebhookStore
{
    Task CreateAsync(WebhookRecord webhook, CancellationToken cancellationToken = default);

    /// <summary>Every webhook, by id.</summary>
    Task<IReadOnlyList<WebhookRecord>> ListAsync(CancellationToken cancellationToken = default);

    Task<WebhookRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Removes the webhook and fails its pending deliveries (their log entries stay until retention removes them).</summary>
    Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>The cursor of the last alert event fanned out into deliveries; null before the first.</summary>
    Task<string?> GetCursorAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets the cursor unless one is set already.</summary>
    Task InitializeCursorAsync(string cursor, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the deliveries of the events up to <paramref name="newCursor"/> and moves the cursor there, atomically, if
    /// the cursor is still <paramref name="expectedCursor"/>; false (nothing written) when another dispatcher moved it.
    /// Assigns each delivery's <see cref="DeliveryRecord.Sequence"/>.
    /// </summary>
    Task<bool> EnqueueAsync(string expectedCursor, string newCursor, IReadOnlyList<NewDelivery> deliveries, CancellationToken cancellationToken = default);

    /// <summary>At most <paramref name="max"/> pending deliveries of the webhook due at <paramref name="now"/>, earliest first.</summary>
    Task<IReadOnlyList<string>> DueAsync(string webhookId, DateTimeOffset now, int max, CancellationToken cancellationToken = default);

    Task<DeliveryRecord?> GetDeliveryAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The body of a pending delivery; null once it is finished.</summary>
    Task<string?> GetBodyAsync(string deliveryId, CancellationToken cancellationToken = default);

    /// <summary>Saves an attempt's outcome: a pending delivery is due again at its next attempt; a finished one drops its body and starts its retention.</summary>
    Task SaveDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default);

    /// <summary>The webhook's delivery log, newest first, starting below sequence <paramref name="before"/> (null: the newest).</summary>
    Task<DeliveryPage> ListDeliveriesAsync(string webhookId, int pageSize, long? before, CancellationToken cancellationToken = default);

    /// <summary>Removes at most <paramref name="max"/> deliveries finished before <paramref name="finishedBefore"/>; answers how many.</summary>
    Task<int> PurgeAsync(DateTimeOffset finishedBefore, int max, CancellationToken cancellationToken = default);

    /// <summary>The lease's token, or null while another dispatcher attempts the delivery.</summary>
    Task<string?> TryLeaseAsync(string deliveryId, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Releases the lease if <paramref name="token"/> still holds it.</summary>
    Task ReleaseLeaseAsync(string deliveryId, string token, CancellationToken cancellationToken = default);
}

/// <summary>Everything in process memory under one lock; leases expire on the injected clock.</summary>
public sealed class InMemoryWebhookStore(TimeProvider timeProvider) : IWebhookStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, WebhookRecord> _webhooks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DeliveryRecord> _deliveries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> _bodies = new(StringComparer.Ordinal);
    private readonly InMemoryLeases _leases = new(timeProvider);
    private string? _cursor;
    private long _sequence;

    public Task CreateAsync(WebhookRecord webhook, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _webhooks[webhook.Id] = webhook;
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<WebhookRecord>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult<IReadOnlyList<WebhookRecord>>(_webhooks.Values.ToList());
        }
    }

    public Task<WebhookRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_webhooks.GetValueOrDefault(id));
        }
    }

    public Task<bool> DeleteAsync(string id, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_webhooks.Remove(id))
            {
                return Task.FromResult(false);
            }

            foreach (var pending in _deliveries.Values.Where(d => d.WebhookId == id && !d.IsFinished).ToList())
            {
                Save(WebhookDispatcher.FailedByDeletion(pending, now));
            }

            return Task.FromResult(true);
        }
    }

    public Task<string?> GetCursorAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_cursor);
        }
    }

    public Task InitializeCursorAsync(string cursor, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _cursor ??= cursor;
        }

        return Task.CompletedTask;
    }

    public Task<bool> EnqueueAsync(string expectedCursor, string newCursor, IReadOnlyList<NewDelivery> deliveries, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_cursor != expectedCursor)
            {
                return Task.FromResult(false);
            }

            foreach (var (delivery, body) in deliveries)
            {
                _deliveries[delivery.Id] = delivery with { Sequence = ++_sequence };
                _bodies[delivery.Id] = body;
            }

            _cursor = newCursor;
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<string>> DueAsync(string webhookId, DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<string> due = _deliveries.Values
                .Where(d => d.WebhookId == webhookId && !d.IsFinished && d.NextAttemptAt <= now)
                .OrderBy(d => d.NextAttemptAt).ThenBy(d => d.Sequence)
                .Take(max)
                .Select(d => d.Id)
                .ToList();
            return Task.FromResult(due);
        }
    }

    public Task<DeliveryRecord?> GetDeliveryAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_deliveries.GetValueOrDefault(id));
        }
    }

    public Task<string?> GetBodyAsync(string deliveryId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_bodies.GetValueOrDefault(deliveryId));
        }
    }

    public Task SaveDeliveryAsync(DeliveryRecord delivery, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            Save(delivery);
        }

        return Task.CompletedTask;
    }

    public Task<DeliveryPage> ListDeliveriesAsync(string webhookId, int pageSize, long? before, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var page = _deliveries.Values
                .Where(d => d.WebhookId == webhookId && (before is null || d.Sequence < before))
                .OrderByDescending(d => d.Sequence)
                .Take(pageSize + 1)
                .ToList();
            return Task.FromResult(page.Count > pageSize
                ? new DeliveryPage(page.Take(pageSize).ToList(), page[pageSize - 1].Sequence)
                : new DeliveryPage(page, null));
        }
    }

    public Task<int> PurgeAsync(DateTimeOffset finishedBefore, int max, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var expired = _deliveries.Values.Where(d => d.CompletedAt < finishedBefore).Take(max).Select(d => d.Id).ToList();
            foreach (var id in expired)
            {
                _deliveries.Remove(id);
            }

            return Task.FromResult(expired.Count);
        }
    }

    public Task<string?> TryLeaseAsync(string deliveryId, TimeSpan duration, CancellationToken cancellationToken = default) =>
        _leases.TryAcquireAsync(deliveryId, duration, cancellationToken);

    public Task ReleaseLeaseAsync(string deliveryId, string token, CancellationToken cancellationToken = default) =>
        _leases.ReleaseAsync(deliveryId, token, cancellationToken);

    private void Save(DeliveryRecord delivery)
    {
        _deliveries[delivery.Id] = delivery;
        if (delivery.IsFinished)
        {
            _bodies.Remove(delivery.Id);
        }
    }
}
