using System.ComponentModel.DataAnnotations;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>Configuration section "Feeds": the poller's schedule, politeness rules and limits.</summary>
public sealed class FeedOptions : IValidatableObject
{
    public const string SectionName = "Feeds";

    /// <summary>Whether this replica polls. FeedService still manages registrations when it does not.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Requests in flight to one host from this replica (feeds and linked pages together).</summary>
    [Range(1, 64)]
    public int MaxConcurrentPerHost { get; set; } = 2;

    /// <summary>Feeds this replica polls at once.</summary>
    [Range(1, 1024)]
    public int MaxConcurrentPolls { get; set; } = 32;

    /// <summary>Wall-clock limit of one request, from sending it to the last byte of the body.</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:05:00")]
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>Largest response body read (after decompression); a larger one fails that poll or page fetch.</summary>
    [Range(1024, 64 * 1024 * 1024)]
    public int MaxResponseBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>Poll interval of a feed registered without one.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan DefaultPollInterval { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>The shortest poll interval a feed may ask for: a floor of politeness towards the sites polled.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan MinPollInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>User-Agent of every request, so site operators can tell who polls them.</summary>
    [Required, MinLength(3), MaxLength(200)]
    public string UserAgent { get; set; } = "NarrativeMonitor-FeedPoller/1.0";

    /// <summary>Delay after the first failed poll; it doubles with each further failure, up to <see cref="BackoffMax"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "1.00:00:00")]
    public TimeSpan BackoffBase { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Longest delay after failures.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "7.00:00:00")]
    public TimeSpan BackoffMax { get; set; } = TimeSpan.FromHours(6);

    /// <summary>How often the worker looks for due feeds.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:10:00")]
    public TimeSpan SchedulerInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// How long a replica holds a feed's lease while polling it. A poll is cut off at 80% of it, so no other replica
    /// can take the feed while a poll is still running.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1:00:00")]
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Where Telegram channel previews are read: {TelegramBaseUrl}/s/{channel}.</summary>
    [Required]
    public string TelegramBaseUrl { get; set; } = "https://t.me";

    /// <summary>Whether items that carry only a short summary have their linked page fetched for the full text.</summary>
    public bool FetchPages { get; set; } = true;

    /// <summary>A summary at least this long (as text) is taken as the article's body, and no page is fetched.</summary>
    [Range(0, 1_000_000)]
    public int FullTextMinCharacters { get; set; } = 600;

    /// <summary>How many item keys a feed remembers, so items seen before are not fetched or submitted again.</summary>
    [Range(100, 1_000_000)]
    public int SeenItemsPerFeed { get; set; } = 5000;

    public TimeSpan MaxPollDuration => LeaseDuration * 0.8;

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (BackoffBase > BackoffMax)
        {
            yield return new ValidationResult("Feeds:BackoffBase must not exceed Feeds:BackoffMax.", [nameof(BackoffBase), nameof(BackoffMax)]);
        }

        if (MinPollInterval > DefaultPollInterval)
        {
            yield return new ValidationResult("Feeds:DefaultPollInterval must be at least Feeds:MinPollInterval.", [nameof(DefaultPollInterval)]);
        }

        if (MaxPollDuration <= RequestTimeout)
        {
            yield return new ValidationResult("Feeds:LeaseDuration must exceed Feeds:RequestTimeout by at least a quarter, so a poll ends before its lease.", [nameof(LeaseDuration)]);
        }

        if (!Uri.TryCreate(TelegramBaseUrl, UriKind.Absolute, out var telegram) || (telegram.Scheme != Uri.UriSchemeHttp && telegram.Scheme != Uri.UriSchemeHttps))
        {
            yield return new ValidationResult("Feeds:TelegramBaseUrl must be an absolute http or https URL.", [nameof(TelegramBaseUrl)]);
        }
    }
}
