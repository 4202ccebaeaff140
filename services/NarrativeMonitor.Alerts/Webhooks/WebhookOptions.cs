using System.ComponentModel.DataAnnotations;

namespace NarrativeMonitor.Alerts.Webhooks;

/// <summary>Configuration section "Webhooks": the dispatcher's schedule, retries and limits.</summary>
public sealed class WebhookOptions : IValidatableObject
{
    public const string SectionName = "Webhooks";

    /// <summary>Whether this replica dispatches. WebhookService still manages registrations when it does not.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often the dispatcher looks for new alert events and for deliveries due.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Attempts per delivery, the first included; after the last failed one the delivery is FAILED.</summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Delay after the first failed attempt; it doubles with each further failure, up to <see cref="BackoffMax"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Longest delay between attempts, also the most a receiver's Retry-After can ask for.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "7.00:00:00")]
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromHours(1);

    /// <summary>Wall-clock limit of one POST, from sending it to the response headers.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How long a replica holds a delivery's lease while attempting it; must exceed the request timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>POSTs in flight from this replica.</summary>
    [Range(1, 1_024)]
    public int MaxConcurrentDeliveries { get; set; } = 16;

    /// <summary>POSTs in flight to one webhook from this replica, so a slow or dead receiver holds at most this many slots.</summary>
    [Range(1, 64)]
    public int MaxConcurrentPerWebhook { get; set; } = 2;

    /// <summary>How long a finished (DELIVERED or FAILED) delivery stays in the delivery log.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "365.00:00:00")]
    public TimeSpan DeliveryRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// Link put in Slack messages, with {alert_id} replaced, e.g. "https://monitor.example.org/alerts/{alert_id}". Empty:
    /// the newest diverging article's URL when the alert's explanation names one.
    /// </summary>
    [MaxLength(2_000)]
    public string AlertLinkTemplate { get; set; } = "";

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BackoffBase > BackoffMax)
        {
            yield return new ValidationResult("Webhooks:BackoffBase must not exceed Webhooks:BackoffMax.", [nameof(BackoffBase), nameof(BackoffMax)]);
        }

        if (LeaseDuration < RequestTimeout * 1.25)
        {
            yield return new ValidationResult("Webhooks:LeaseDuration must exceed Webhooks:RequestTimeout by at least a quarter, so an attempt ends before its lease.", [nameof(LeaseDuration)]);
        }

        if (MaxConcurrentPerWebhook > MaxConcurrentDeliveries)
        {
            yield return new ValidationResult("Webhooks:MaxConcurrentPerWebhook must not exceed Webhooks:MaxConcurrentDeliveries.", [nameof(MaxConcurrentPerWebhook)]);
        }

        if (AlertLinkTemplate.Length > 0 &&
            (!Uri.TryCreate(AlertLinkTemplate.Replace("{alert_id}", "x", StringComparison.Ordinal), UriKind.Absolute, out var link) ||
             (link.Scheme != Uri.UriSchemeHttp && link.Scheme != Uri.UriSchemeHttps)))
        {
            yield return new ValidationResult("Webhooks:AlertLinkTemplate must be an absolute http or https URL.", [nameof(AlertLinkTemplate)]);
        }
    }
}
