using System.Text.Json.Serialization;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Alerts.Webhooks;

public enum WebhookFormat
{
    Json = 1,
    Slack = 2,
}

/// <summary>Which events a webhook receives; an empty list or a null severity matches everything.</summary>
public sealed record WebhookFilterRecord
{
    public IReadOnlyList<string> ClaimIds { get; init; } = [];
    public IReadOnlyList<string> SourceIds { get; init; } = [];
    public IReadOnlyList<AlertKind> Kinds { get; init; } = [];
    public IReadOnlyList<AlertEventType> EventTypes { get; init; } = [];
    public AlertSeverity? MinSeverity { get; init; }

    public bool Matches(AlertEventRecord alertEvent)
    {
        var episode = alertEvent.Alert.Episode;
        return (ClaimIds.Count == 0 || ClaimIds.Contains(episode.ClaimId, StringComparer.Ordinal)) &&
               (SourceIds.Count == 0 || SourceIds.Contains(episode.SourceId, StringComparer.Ordinal)) &&
               (Kinds.Count == 0 || Kinds.Contains(episode.Kind)) &&
               (EventTypes.Count == 0 || EventTypes.Contains(alertEvent.Type)) &&
               (MinSeverity is null || episode.Severity >= MinSeverity);
    }
}

/// <summary>A registered webhook. <see cref="Secret"/> signs the bodies; it is never returned by the API nor logged.</summary>
public sealed record WebhookRecord
{
    public required string Id { get; init; }
    public required string Url { get; init; }
    public required WebhookFormat Format { get; init; }
    public required WebhookFilterRecord Filter { get; init; }
    public required string Secret { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public string Description { get; init; } = "";

    // The generated ToString would print the secret (and a URL that is often a credential itself, as Slack's are).
    public override string ToString() => $"Webhook {Id}";
}

public enum DeliveryStatus
{
    Pending = 1,
    Delivered = 2,
    Failed = 3,
}

/// <summary>
/// One event's delivery to one webhook. <see cref="Sequence"/> orders the delivery log (newest first);
/// <see cref="CompletedAt"/> (wall-clock) starts the retention of a finished delivery.
/// </summary>
public sealed record DeliveryRecord
{
    public required string Id { get; init; }
    public required string WebhookId { get; init; }
    public required string EventCursor { get; init; }
    public required string AlertId { get; init; }
    public required AlertEventType EventType { get; init; }
    public required DeliveryStatus Status { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public long Sequence { get; init; }
    public int Attempts { get; init; }
    public int LastHttpStatus { get; init; }
    public string LastError { get; init; } = "";
    public DateTimeOffset? LastAttemptAt { get; init; }
    public DateTimeOffset? NextAttemptAt { get; init; }
    public DateTimeOffset? CompletedAt { get; init; }

    [JsonIgnore]
    public bool IsFinished => Status != DeliveryStatus.Pending;

    /// <summary>Deterministic, so that the same event never gets two deliveries to one webhook.</summary>
    public static string IdFor(string webhookId, string eventCursor) => $"{webhookId}.{eventCursor}";

    /// <summary>The webhook id inside a delivery id (webhook ids contain no dot).</summary>
    public static string WebhookIdOf(string deliveryId) => deliveryId[..deliveryId.IndexOf('.', StringComparison.Ordinal)];
}

/// <summary>A new delivery with the exact body every attempt sends (rendered once, so retries are byte-identical).</summary>
public sealed record NewDelivery(DeliveryRecord Delivery, string Body);

public sealed record DeliveryPage(IReadOnlyList<DeliveryRecord> Deliveries, long? NextBefore);
