using System.Globalization;
using System.ServiceModel.Syndication;
using System.Xml;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>One entry of a feed, as text.</summary>
public sealed record FeedItem
{
    /// <summary>An article id chosen by the reader (Telegram posts); null to derive one.</summary>
    public string? ArticleId { get; init; }

    /// <summary>The item's own identifier: RSS guid, Atom id, Telegram data-post.</summary>
    public string? Guid { get; init; }

    /// <summary>Absolute URL of the article.</summary>
    public string? Link { get; init; }

    public string Title { get; init; } = "";

    /// <summary>Full text (content:encoded, Atom content, a Telegram message); null when the item has none.</summary>
    public string? ContentText { get; init; }

    /// <summary>Summary text (RSS description, Atom summary); null when the item has none.</summary>
    public string? SummaryText { get; init; }

    public DateTimeOffset? PublishedAt { get; init; }
}

/// <summary>Reads RSS 2.0 and Atom 1.0 documents with System.ServiceModel.Syndication.</summary>
public static class SyndicationReader
{
    private const string ContentNamespace = "http://purl.org/rss/1.0/modules/content/";
    private const string AtomNamespace = "http://www.w3.org/2005/Atom";

    /// <summary>
    /// The document's kind and items. <paramref name="expected"/> Auto reads either format; Rss or Atom insists on it.
    /// Relative links resolve against <paramref name="baseUrl"/>. A malformed document is a <see cref="FeedPollException"/>.
    /// </summary>
    public static (FeedKind Kind, IReadOnlyList<FeedItem> Items) Read(byte[] body, FeedKind expected, Uri baseUrl)
    {
        var settings = new XmlReaderSettings
        {
            // No DTD processing and no resolver: no entity expansion, no external fetches from a document we do not trust.
            DtdProcessing = DtdProcessing.Ignore,
            XmlResolver = null,
            IgnoreComments = true,
            MaxCharactersFromEntities = 1024 * 1024,
        };
        try
        {
            using var stream = new MemoryStream(body, writable: false);
            using var reader = XmlReader.Create(stream, settings);
            reader.MoveToContent();
            var kind = reader switch
            {
                { LocalName: "rss" } => FeedKind.Rss,
                { LocalName: "feed", NamespaceURI: AtomNamespace } => FeedKind.Atom,
                _ => throw new FeedPollException($"not an RSS 2.0 or Atom 1.0 document (root element <{reader.Name}>)"),
            };
            if (expected is FeedKind.Rss or FeedKind.Atom && expected != kind)
            {
                throw new FeedPollException($"expected {Name(expected)} but the document is {Name(kind)}");
            }

            SyndicationFeedFormatter formatter = kind == FeedKind.Rss ? new Rss20FeedFormatter() : new Atom10FeedFormatter();
            var strict = formatter.DateTimeParser;
            formatter.DateTimeParser = (XmlDateTimeData data, out DateTimeOffset value) =>
                strict(data, out value) || TryParseLenient(data.DateTimeString, out value) || Unknown(out value);
            formatter.ReadFrom(reader);
            var items = formatter.Feed.Items.Select(item => ToItem(item, baseUrl)).ToList();
            return (kind, items);
        }
        catch (XmlException ex)
        {
            throw new FeedPollException($"malformed {Name(expected)} document: {ex.Message}", inner: ex);
        }
    }

    private static FeedItem ToItem(SyndicationItem item, Uri baseUrl)
    {
        var guid = string.IsNullOrWhiteSpace(item.Id) ? null : item.Id.Trim();
        var link = item.Links
            .Where(l => l.RelationshipType is null or "alternate" && l.Uri is not null)
            .Select(l => Resolve(l.BaseUri ?? item.BaseUri ?? baseUrl, l.Uri))
            .FirstOrDefault(uri => uri is not null);
        link ??= guid is not null && Uri.TryCreate(guid, UriKind.Absolute, out var permalink) && IsHttp(permalink) ? permalink : null;

        var content = item.ElementExtensions.ReadElementExtensions<string>("encoded", ContentNamespace).FirstOrDefault()
            ?? (item.Content as TextSyndicationContent)?.Text;
        var published = item.PublishDate != default ? item.PublishDate : item.LastUpdatedTime;
        return new FeedItem
        {
            Guid = guid,
            Link = link?.AbsoluteUri,
            Title = TextNormalizer.NormalizeLine(HtmlText.FromHtml(item.Title?.Text)),
            ContentText = NullIfEmpty(HtmlText.FromHtml(content)),
            SummaryText = NullIfEmpty(HtmlText.FromHtml(item.Summary?.Text)),
            PublishedAt = published == default || published == DateTimeOffset.MinValue ? null : published,
        };
    }

    private static Uri? Resolve(Uri baseUrl, Uri uri)
    {
        var absolute = uri.IsAbsoluteUri ? uri : Uri.TryCreate(baseUrl, uri, out var resolved) ? resolved : null;
        return absolute is not null && IsHttp(absolute) ? absolute : null;
    }

    private static bool IsHttp(Uri uri) => uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps;

    private static string? NullIfEmpty(string text) => text.Length == 0 ? null : text;

    /// <summary>Dates such as "2024-12-18 09:30:00" or RFC 822 with a named zone the strict parser refuses.</summary>
    private static bool TryParseLenient(string? text, out DateTimeOffset value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var trimmed = text.Trim();
        foreach (var (zone, offset) in new[] { (" UT", "+0000"), (" GMT", "+0000"), (" Z", "+0000"), (" EST", "-0500"), (" EDT", "-0400"), (" MSK", "+0300") })
        {
            if (trimmed.EndsWith(zone, StringComparison.OrdinalIgnoreCase))
            {
                trimmed = trimmed[..^zone.Length] + " " + offset;
                break;
            }
        }

        return DateTimeOffset.TryParse(trimmed, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AllowWhiteSpaces, out value)
            || DateTimeOffset.TryParseExact(trimmed, ["ddd, d MMM yyyy HH:mm:ss zzz", "d MMM yyyy HH:mm:ss zzz", "ddd, d MMM yyyy HH:mm zzz"],
                CultureInfo.InvariantCulture, DateTimeStyles.AllowWhiteSpaces, out value);
    }

    /// <summary>A date nobody can read is treated as absent (the poller then uses the fetch time), not as a broken feed.</summary>
    private static bool Unknown(out DateTimeOffset value)
    {
        value = DateTimeOffset.MinValue;
        return true;
    }

    private static string Name(FeedKind kind) => kind switch
    {
        FeedKind.Rss => "RSS 2.0",
        FeedKind.Atom => "Atom 1.0",
        _ => "feed",
    };
}
