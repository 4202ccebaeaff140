using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Alerts.Webhooks;

/// <summary>
/// Delivers alert events to webhooks, in two steps that each replica runs every <see cref="WebhookOptions.PollInterval"/>:
/// <list type="number">
/// <item>Fan-out: reads the alert events after the stored cursor, makes one pending delivery per matching webhook (body
/// rendered once), and moves the cursor, all in one compare-and-set, so of several replicas exactly one fans out each
/// event. It sends nothing, so a slow receiver cannot hold it up.</item>
/// <item>Attempts: for each webhook, the deliveries due now, at most <see cref="WebhookOptions.MaxConcurrentPerWebhook"/>
/// per webhook and <see cref="WebhookOptions.MaxConcurrentDeliveries"/> in all. An attempt takes the delivery's lease and
/// reads it again under the lease, so of several replicas exactly one attempts it each time it is due.</item>
/// </list>
/// Delivery is at least once: a replica that dies after the receiver answered but before the outcome was saved leaves
/// the delivery pending, and it is sent again when its lease runs out. Receivers dedupe by the event id header.
/// </summary>
public sealed partial class WebhookDispatcher(
    IWebhookStore store,
    IAlertStore alerts,
    WebhookPayloads payloads,
    WebhookSender sender,
    TimeProvider timeProvider,
    IOptions<WebhookOptions> options,
    ILogger<WebhookDispatcher> logger) : BackgroundService
{
    private const int EventBatch = 256;
    /// <summary>Deliveries written in one fan-out transaction, at most (an event's deliveries are never split).</summary>
    private const int DeliveriesPerCommit = 1_000;
    private const int PurgeBatch = 1_000;
    private static readonly TimeSpan PurgeInterval = TimeSpan.FromMinutes(5);
    private static readonly Counter<long> Attempts = Telemetry.Meter.CreateCounter<long>(
        "nm.alerts.webhooks.attempts", "{attempt}", "Webhook delivery attempts, by outcome (delivered, retry, failed).");

    private readonly WebhookOptions _options = options.Value;
    private readonly JitteredBackoff _backoff = new(options.Value.BackoffBase, options.Value.BackoffMax);
    private readonly ConcurrentDictionary<string, (string WebhookId, Task<bool> Attempt)> _inFlight = new(StringComparer.Ordinal);
    private DateTimeOffset _nextPurge = DateTimeOffset.MinValue;
    private TaskCompletionSource _attemptFinished = NewSignal();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogDisabled();
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                // Taken before the round, so an attempt that ends during it still wakes the next one.
                var attemptFinished = Volatile.Read(ref _attemptFinished).Task;
                try
                {
                    await FanOutAsync(stoppingToken);
                    await StartDueAsync(stoppingToken);
                    if (timeProvider.GetUtcNow() >= _nextPurge)
                    {
                        await PurgeAsync(stoppingToken);
                        _nextPurge = timeProvider.GetUtcNow() + PurgeInterval;
                    }
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogRoundFailed(ex);
                }

                // A finished attempt frees a slot: start the webhook's next due delivery now rather than at the next tick.
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
                await Task.WhenAny(Task.Delay(_options.PollInterval, timeProvider, tick.Token), attemptFinished);
                await tick.CancelAsync();
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Attempts in flight observe the same token; wait for them to give their leases back.
            await Task.WhenAll(_inFlight.Values.Select(f => f.Attempt.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>Turns the alert events after the cursor into deliveries; answers how many deliveries this replica made.</summary>
    public async Task<int> FanOutAsync(CancellationToken cancellationToken = default)
    {
        var cursor = await store.GetCursorAsync(cancellationToken);
        if (cursor is null)
        {
            // The first dispatcher ever starts at the newest event: webhooks get what happens after they exist.
            await store.InitializeCursorAsync(await alerts.LatestCursorAsync(cancellationToken), cancellationToken);
            cursor = await store.GetCursorAsync(cancellationToken) ?? throw new InvalidOperationException("the webhook cursor was not stored");
        }

        var created = 0;
        while (true)
        {
            // Every event up to `latest` happened before this listing: with no webhook listed, none is owed to anybody,
            // and the log need not be read at all.
            var latest = await alerts.LatestCursorAsync(cancellationToken);
            if ((await store.ListAsync(cancellationToken)).Count == 0)
            {
                if (latest == cursor || await store.EnqueueAsync(cursor, latest, [], cancellationToken))
                {
                    return created;
                }

                cursor = await store.GetCursorAsync(cancellationToken) ?? cursor;
                continue;
            }

            var events = await alerts.ReadEventsAsync(cursor, EventBatch, cancellationToken);
            if (events.Count == 0)
            {
                return created;
            }

            // Listed after reading the events: a webhook registered after this listing misses only events that
            // happened before it existed.
            var webhooks = await store.ListAsync(cancellationToken);
            var now = timeProvider.GetUtcNow();
            var deliveries = new List<NewDelivery>();
            var upTo = events[^1].Cursor;
            var consumed = 0;
            foreach (var alertEvent in events)
            {
                if (deliveries.Count >= DeliveriesPerCommit)
                {
                    break;
                }

                upTo = alertEvent.Cursor;
                consumed++;
                foreach (var webhook in webhooks.Where(w => w.Filter.Matches(alertEvent)))
                {
                    deliveries.Add(new NewDelivery(
                        new DeliveryRecord
                        {
                            Id = DeliveryRecord.IdFor(webhook.Id, alertEvent.Cursor),
                            WebhookId = webhook.Id,
                            EventCursor = alertEvent.Cursor,
                            AlertId = alertEvent.Alert.Id,
                            EventType = alertEvent.Type,
                            Status = DeliveryStatus.Pending,
                            CreatedAt = now,
                            NextAttemptAt = now,
                        },
                        payloads.Render(webhook.Format, alertEvent)));
                }
            }

            if (await store.EnqueueAsync(cursor, upTo, deliveries, cancellationToken))
            {
                created += deliveries.Count;
                cursor = upTo;
                if (deliveries.Count > 0)
                {
                    LogFannedOut(consumed, deliveries.Count, upTo);
                }
            }
            else
            {
                cursor = await store.GetCursorAsync(cancellationToken) ?? cursor;
            }
        }
    }

    /// <summary>Attempts the deliveries due now (within the concurrency limits) and waits for them; answers how many were attempted here.</summary>
    public async Task<int> DeliverDueAsync(CancellationToken cancellationToken = default)
    {
        var attempted = await Task.WhenAll(await StartDueAsync(cancellationToken));
        return attempted.Count(a => a);
    }

    /// <summary>Removes finished deliveries older than <see cref="WebhookOptions.DeliveryRetention"/> from the log.</summary>
    public async Task<int> PurgeAsync(CancellationToken cancellationToken = default)
    {
        var before = timeProvider.GetUtcNow() - _options.DeliveryRetention;
        var removed = 0;
        int batch;
        do
        {
            batch = await store.PurgeAsync(before, PurgeBatch, cancellationToken);
            removed += batch;
        }
        while (batch == PurgeBatch);

        if (removed > 0)
        {
            LogPurged(removed);
        }

        return removed;
    }

    internal static DeliveryRecord FailedByDeletion(DeliveryRecord delivery, DateTimeOffset now) => delivery with
    {
        Status = DeliveryStatus.Failed,
        LastError = "webhook deleted",
        NextAttemptAt = null,
        CompletedAt = now,
    };

    private async Task<IReadOnlyList<Task<bool>>> StartDueAsync(CancellationToken cancellationToken)
    {
        var started = new List<Task<bool>>();
        var webhooks = await store.ListAsync(cancellationToken);
        var now = timeProvider.GetUtcNow();
        // A random order, so that when the replica's slots run short no webhook always comes last.
        foreach (var webhook in webhooks.OrderBy(_ => Random.Shared.Next()))
        {
            var inFlightHere = _inFlight.Values.Count(f => f.WebhookId == webhook.Id);
            var free = Math.Min(_options.MaxConcurrentDeliveries - _inFlight.Count, _options.MaxConcurrentPerWebhook - inFlightHere);
            if (_inFlight.Count >= _options.MaxConcurrentDeliveries)
            {
                break;
            }

            if (free <= 0)
            {
                continue;
            }

            // Ask for the ones in flight too: they are still listed as due until their outcome is saved.
            foreach (var deliveryId in await store.DueAsync(webhook.Id, now, free + inFlightHere, cancellationToken))
            {
                if (free == 0)
                {
                    break;
                }

                var attempt = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
                if (!_inFlight.TryAdd(deliveryId, (webhook.Id, attempt.Task)))
                {
                    continue;
                }

                free--;
                started.Add(attempt.Task);
                _ = RunAttemptAsync(deliveryId, attempt, cancellationToken);
            }
        }

        return started;
    }

    private async Task RunAttemptAsync(string deliveryId, TaskCompletionSource<bool> completion, CancellationToken cancellationToken)
    {
        var attempted = false;
        try
        {
            await Task.Yield();
            attempted = await AttemptIfDueAsync(deliveryId, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            LogAttemptCrashed(ex, deliveryId);
        }
        finally
        {
            _inFlight.TryRemove(deliveryId, out _);
            completion.TrySetResult(attempted);
            // Only a real attempt wakes the loop: one that found the lease taken would find it taken again at once.
            if (attempted)
            {
                Interlocked.Exchange(ref _attemptFinished, NewSignal()).TrySetResult();
            }
        }
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private async Task<bool> AttemptIfDueAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var token = await store.TryLeaseAsync(deliveryId, _options.LeaseDuration, cancellationToken);
        if (token is null)
        {
            return false;
        }

        try
        {
            // Read under the lease: a replica that attempted it just before has saved its outcome by now.
            var delivery = await store.GetDeliveryAsync(deliveryId, cancellationToken);
            var startedAt = timeProvider.GetUtcNow();
            if (delivery is not { Status: DeliveryStatus.Pending, NextAttemptAt: { } due } || due > startedAt)
            {
                return false;
            }

            var webhook = await store.GetAsync(delivery.WebhookId, cancellationToken);
            var body = await store.GetBodyAsync(deliveryId, cancellationToken);
            if (webhook is null || body is null)
            {
                await store.SaveDeliveryAsync(FailedByDeletion(delivery, startedAt), CancellationToken.None);
                return false;
            }

            var result = await sender.SendAsync(webhook, delivery, body, startedAt, cancellationToken);
            var outcome = Outcome(delivery, result, startedAt, timeProvider.GetUtcNow());
            // Saved even when shutting down: the receiver has had this attempt.
            await store.SaveDeliveryAsync(outcome, CancellationToken.None);
            Attempts.Add(1, new KeyValuePair<string, object?>("outcome", outcome.Status switch
            {
                DeliveryStatus.Delivered => "delivered",
                DeliveryStatus.Failed => "failed",
                _ => "retry",
            }));
            switch (outcome.Status)
            {
                case DeliveryStatus.Delivered:
                    LogDelivered(deliveryId, webhook.Id, outcome.Attempts, outcome.LastHttpStatus);
                    break;
                case DeliveryStatus.Failed:
                    LogGaveUp(deliveryId, webhook.Id, outcome.Attempts, outcome.LastError);
                    break;
                default:
                    LogWillRetry(deliveryId, webhook.Id, outcome.Attempts, outcome.LastError, outcome.NextAttemptAt!.Value);
                    break;
            }

            return true;
        }
        finally
        {
            await store.ReleaseLeaseAsync(deliveryId, token, CancellationToken.None);
        }
    }

    private DeliveryRecord Outcome(DeliveryRecord delivery, AttemptResult result, DateTimeOffset startedAt, DateTimeOffset finishedAt)
    {
        var attempts = delivery.Attempts + 1;
        var attempted = delivery with
        {
            Attempts = attempts,
            LastAttemptAt = startedAt,
            LastHttpStatus = result.HttpStatus,
            LastError = result.Error,
        };
        if (result.Delivered)
        {
            return attempted with { Status = DeliveryStatus.Delivered, NextAttemptAt = null, CompletedAt = finishedAt };
        }

        return attempts >= _options.MaxAttempts
            ? attempted with { Status = DeliveryStatus.Failed, NextAttemptAt = null, CompletedAt = finishedAt }
            : attempted with { NextAttemptAt = finishedAt + _backoff.Delay(attempts, result.RetryAfter) };
    }

    [LoggerMessage(LogLevel.Information, "Webhook dispatch is disabled on this replica (Webhooks:Enabled=false)")]
    private partial void LogDisabled();

    [LoggerMessage(LogLevel.Warning, "A webhook dispatch round failed; trying again at the next tick")]
    private partial void LogRoundFailed(Exception exception);

    [LoggerMessage(LogLevel.Debug, "Fanned out {EventCount} alert events into {DeliveryCount} deliveries, up to cursor {Cursor}")]
    private partial void LogFannedOut(int eventCount, int deliveryCount, string cursor);

    [LoggerMessage(LogLevel.Debug, "Delivery {DeliveryId} to webhook {WebhookId} delivered at attempt {Attempts} (HTTP {HttpStatus})")]
    private partial void LogDelivered(string deliveryId, string webhookId, int attempts, int httpStatus);

    [LoggerMessage(LogLevel.Information, "Delivery {DeliveryId} to webhook {WebhookId} failed at attempt {Attempts} ({Error}); next attempt at {NextAttemptAt}")]
    private partial void LogWillRetry(string deliveryId, string webhookId, int attempts, string error, DateTimeOffset nextAttemptAt);

    [LoggerMessage(LogLevel.Warning, "Delivery {DeliveryId} to webhook {WebhookId} failed for good after {Attempts} attempts ({Error})")]
    private partial void LogGaveUp(string deliveryId, string webhookId, int attempts, string error);

    [LoggerMessage(LogLevel.Error, "Attempting delivery {DeliveryId} failed unexpectedly; it stays pending and is tried again")]
    private partial void LogAttemptCrashed(Exception exception, string deliveryId);

    [LoggerMessage(LogLevel.Information, "Removed {Count} finished deliveries past their retention from the delivery log")]
    private partial void LogPurged(int count);
}
