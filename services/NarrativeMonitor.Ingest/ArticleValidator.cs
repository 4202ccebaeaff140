using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using NarrativeMonitor.Contracts;
using Article = NarrativeMonitor.Protos.Ingest.V1.Article;

namespace NarrativeMonitor.Ingest;

/// <summary>An article that passed validation, in normalized form.</summary>
public sealed record NormalizedArticle
{
    public required string Id { get; init; }
    public required string SourceId { get; init; }
    public required SourceKind SourceKind { get; init; }
    public required string Url { get; init; }
    public required DateTimeOffset PublishedAt { get; init; }
    public required string Title { get; init; }
    public required string Body { get; init; }
    public string? Language { get; init; }
    public required string ContentHash { get; init; }
    /// <summary>The registered source's name, passed on for alert explanations.</summary>
    public string? SourceName { get; init; }
}

/// <summary>Validates and normalizes submitted articles. Pure apart from the clock.</summary>
public sealed partial class ArticleValidator(TimeProvider timeProvider)
{
    /// <summary>
    /// Checks every field in order (source, id, url, published_at, title, body, language) and answers the first
    /// problem, or the normalized article. <paramref name="source"/> is the registered source named by
    /// article.source_id, null when there is none. An article without a language takes its source's.
    /// </summary>
    public Validated<NormalizedArticle> Validate(Article? article, SourceRecord? source)
    {
        if (article is null)
        {
            return IngestError.Invalid("article", "is required");
        }

        if (article.SourceId.Length == 0)
        {
            return IngestError.Invalid("article.source_id", "is required");
        }

        if (source is null || source.Id != article.SourceId)
        {
            return IngestError.Invalid("article.source_id", $"unknown source '{Printable(article.SourceId)}'");
        }

        if (article.Id.Length > 0 && !ArticleIdRegex().IsMatch(article.Id))
        {
            return IngestError.Invalid("article.id", "must be 1 to 128 letters, digits, '.', '_', ':' or '-' (or empty to derive one)");
        }

        if (article.Url.Length == 0)
        {
            return IngestError.Invalid("article.url", "is required");
        }

        var url = UrlNormalizer.Normalize(article.Url);
        if (url is null)
        {
            return IngestError.Invalid("article.url", "must be an absolute http or https URL");
        }

        if (url.Length > IngestLimits.MaxUrlCharacters)
        {
            return IngestError.Invalid("article.url", $"must be at most {IngestLimits.MaxUrlCharacters} characters");
        }

        var publishedAt = ValidatePublishedAt(article.PublishedAt, out var publishedAtError);
        if (publishedAtError is not null)
        {
            return publishedAtError;
        }

        var title = TextNormalizer.NormalizeLine(article.Title);
        if (title.Length == 0)
        {
            return IngestError.Invalid("article.title", "is required");
        }

        if (title.Length > IngestLimits.MaxTitleCharacters)
        {
            return IngestError.Invalid("article.title", $"must be at most {IngestLimits.MaxTitleCharacters} characters");
        }

        // Checked before normalizing too, so an oversized body is refused without the cost of cleaning it.
        if (article.Body.Length > 2 * IngestLimits.MaxBodyCharacters)
        {
            return IngestError.Invalid("article.body", $"must be at most {IngestLimits.MaxBodyCharacters} characters");
        }

        var body = TextNormalizer.NormalizeBody(article.Body);
        if (body.Length == 0)
        {
            return IngestError.Invalid("article.body", "is required");
        }

        if (body.Length > IngestLimits.MaxBodyCharacters)
        {
            return IngestError.Invalid("article.body", $"must be at most {IngestLimits.MaxBodyCharacters} characters");
        }

        var language = article.Language.Trim();
        if (language.Length > 0 && !SourceValidator.IsTwoAsciiLetters(language))
        {
            return IngestError.Invalid("article.language", "must be an ISO 639-1 code, e.g. \"ru\", or empty");
        }

        return new NormalizedArticle
        {
            Id = article.Id.Length > 0 ? article.Id : DeriveId(source.Id, url),
            SourceId = source.Id,
            SourceKind = source.Kind,
            Url = url,
            PublishedAt = publishedAt,
            Title = title,
            Body = body,
            Language = language.Length > 0 ? language.ToLowerInvariant() : source.Language,
            ContentHash = TextNormalizer.ContentHash(title, body),
            SourceName = source.Name,
        };
    }

    /// <summary>"a-" and the first 20 hex digits of SHA-256 over source id and normalized URL: stable across retries and replicas.</summary>
    public static string DeriveId(string sourceId, string normalizedUrl)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(sourceId + "\n" + normalizedUrl));
        return "a-" + Convert.ToHexStringLower(hash)[..IngestLimits.DerivedIdHexDigits];
    }

    private DateTimeOffset ValidatePublishedAt(Timestamp? timestamp, out IngestError? error)
    {
        error = null;
        if (timestamp is null)
        {
            error = IngestError.Invalid("article.published_at", "is required");
            return default;
        }

        DateTimeOffset publishedAt;
        try
        {
            publishedAt = timestamp.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            error = IngestError.Invalid("article.published_at", "is not a valid timestamp");
            return default;
        }

        if (publishedAt < IngestLimits.EarliestPublishedAt)
        {
            error = IngestError.Invalid("article.published_at", $"must not be before {IngestLimits.EarliestPublishedAt:yyyy-MM-dd}");
            return default;
        }

        var latest = timeProvider.GetUtcNow() + IngestLimits.MaxPublishedInFuture;
        if (publishedAt > latest)
        {
            error = IngestError.Invalid("article.published_at", $"must not be more than {IngestLimits.MaxPublishedInFuture.TotalHours:0} hour in the future");
            return default;
        }

        return publishedAt;
    }

    // Echoing an unknown id back must not let a caller put newlines or megabytes into an error message or a log.
    private static string Printable(string value)
    {
        var clean = TextNormalizer.NormalizeLine(value);
        return clean.Length <= 64 ? clean : clean[..64] + "…";
    }

    [GeneratedRegex(IngestLimits.ArticleIdPattern, RegexOptions.CultureInvariant)]
    private static partial Regex ArticleIdRegex();
}
