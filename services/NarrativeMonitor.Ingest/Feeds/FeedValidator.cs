using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using ProtoFeed = NarrativeMonitor.Protos.Ingest.V1.Feed;
using ProtoFeedKind = NarrativeMonitor.Protos.Ingest.V1.FeedKind;
using ProtoFeedState = NarrativeMonitor.Protos.Ingest.V1.FeedState;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>Validates a feed from the API and normalizes it. Errors name the field ("feed.url: ...").</summary>
public static partial class FeedValidator
{
    public static readonly TimeSpan MaxPollInterval = TimeSpan.FromDays(1);

    /// <param name="source">The registered source named by feed.source_id, null when there is none.</param>
    public static Validated<FeedRecord> Validate(ProtoFeed? feed, SourceRecord? source, FeedOptions options, DateTimeOffset now)
    {
        if (feed is null)
        {
            return IngestError.Invalid("feed", "is required");
        }

        if (feed.Id.Length > 0 && !SourceValidator.IsValidId(feed.Id))
        {
            return IngestError.Invalid("feed.id", "must be 1 to 64 letters, digits, '.', '_' or '-' (or empty to derive one)");
        }

        if (feed.SourceId.Length == 0)
        {
            return IngestError.Invalid("feed.source_id", "is required");
        }

        if (source is null || source.Id != feed.SourceId)
        {
            return IngestError.Invalid("feed.source_id", $"unknown source '{Printable(feed.SourceId)}'");
        }

        if (!Enum.IsDefined(feed.Kind))
        {
            return IngestError.Invalid("feed.kind", $"unknown kind {(int)feed.Kind}");
        }

        if (feed.Url.Length == 0)
        {
            return IngestError.Invalid("feed.url", "is required");
        }

        var kind = (FeedKind)feed.Kind;
        var channel = TelegramChannel(feed.Url);
        if (kind == FeedKind.Auto && channel is not null)
        {
            kind = FeedKind.Telegram;
        }

        string url;
        if (kind == FeedKind.Telegram)
        {
            if (channel is null)
            {
                return IngestError.Invalid("feed.url", "must be a public Telegram channel: https://t.me/<channel>, https://t.me/s/<channel> or @<channel>");
            }

            url = "https://t.me/s/" + channel;
        }
        else
        {
            var normalized = UrlNormalizer.Normalize(feed.Url);
            if (normalized is null)
            {
                return IngestError.Invalid("feed.url", "must be an absolute http or https URL");
            }

            if (normalized.Length > IngestLimits.MaxUrlCharacters)
            {
                return IngestError.Invalid("feed.url", $"must be at most {IngestLimits.MaxUrlCharacters} characters");
            }

            url = normalized;
        }

        var interval = feed.PollInterval is null ? TimeSpan.Zero : feed.PollInterval.ToTimeSpan();
        if (interval == TimeSpan.Zero)
        {
            interval = options.DefaultPollInterval;
        }

        if (interval < options.MinPollInterval || interval > MaxPollInterval)
        {
            return IngestError.Invalid("feed.poll_interval", $"must lie between {options.MinPollInterval} and {MaxPollInterval} (or be zero for the default {options.DefaultPollInterval})");
        }

        if (!Enum.IsDefined(feed.State))
        {
            return IngestError.Invalid("feed.state", $"unknown state {(int)feed.State}");
        }

        var state = feed.State == ProtoFeedState.Paused ? FeedState.Paused : FeedState.Active;
        var id = feed.Id.Length > 0 ? feed.Id : DeriveId(source.Id, url);
        return new FeedRecord(id, source.Id, url, kind, interval, state, now);
    }

    /// <summary>"f-" and 16 hex digits of the SHA-256 of source id and normalized URL.</summary>
    public static string DeriveId(string sourceId, string url) =>
        "f-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceId + "\n" + url)))[..16];

    /// <summary>The channel of a t.me link ("https://t.me/name", "https://t.me/s/name") or of "@name"; null for anything else.</summary>
    public static string? TelegramChannel(string url)
    {
        var trimmed = url.Trim();
        if (trimmed.StartsWith('@'))
        {
            return ChannelRegex().IsMatch(trimmed[1..]) ? trimmed[1..] : null;
        }

        if (!Uri.TryCreate(trimmed, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https")
            || !(uri.Host.Equals("t.me", StringComparison.OrdinalIgnoreCase) || uri.Host.Equals("telegram.me", StringComparison.OrdinalIgnoreCase)))
        {
            return null;
        }

        var segments = uri.AbsolutePath.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        var name = segments switch
        {
            ["s", var channel] => channel,
            [var channel] => channel,
            _ => null,
        };
        return name is not null && ChannelRegex().IsMatch(name) ? name : null;
    }

    private static string Printable(string value) =>
        new(value.Take(64).Select(c => char.IsControl(c) ? '?' : c).ToArray());

    // Public Telegram usernames: 5 to 32 letters, digits and underscores, starting with a letter.
    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_]{4,31}\z", RegexOptions.CultureInvariant)]
    private static partial Regex ChannelRegex();
}
