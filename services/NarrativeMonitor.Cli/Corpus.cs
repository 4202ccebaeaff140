using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace NarrativeMonitor.Cli;

/// <param name="Location">file:line where the entry starts, for messages.</param>
public sealed record CorpusSource(string Id, string Name, string Kind, string Country, string Language, string Location = "")
{
    /// <summary><see cref="Kind"/> (state_media, official, wire, independent, analysis) as the messages carry it.</summary>
    public Contracts.SourceKind SourceKind => Kind switch
    {
        "state_media" => Contracts.SourceKind.StateMedia,
        "official" => Contracts.SourceKind.Official,
        "wire" => Contracts.SourceKind.Wire,
        "independent" => Contracts.SourceKind.Independent,
        "analysis" => Contracts.SourceKind.Analysis,
        _ => Contracts.SourceKind.Unspecified,
    };
}

public sealed record CorpusClaimRules(int ConfirmationSources, int OmissionArticles, TimeSpan? OmissionWindow);

public sealed record CorpusClaim(
    string Id,
    string Statement,
    string Topic,
    IReadOnlyList<string> Keywords,
    IReadOnlyList<string> TopicKeywords,
    CorpusClaimRules? Rules,
    string Location = "");

public sealed record CorpusArticle(
    string Id,
    string SourceId,
    string Url,
    DateTimeOffset PublishedAt,
    string Title,
    string Body,
    string? Language,
    int Line);

/// <summary>A corpus folder: sources.json, claims.json and articles.jsonl (format in the README).</summary>
public sealed record Corpus(IReadOnlyList<CorpusSource> Sources, IReadOnlyList<CorpusClaim> Claims, IReadOnlyList<CorpusArticle> Articles)
{
    public const string SourcesFile = "sources.json";
    public const string ClaimsFile = "claims.json";
    public const string ArticlesFile = "articles.jsonl";

    private static readonly string[] SourceKinds = ["state_media", "official", "wire", "independent", "analysis"];

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        PropertyNameCaseInsensitive = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip,
    };

    /// <summary>Reads and checks a corpus folder; a problem throws <see cref="CorpusException"/> naming the file and line.</summary>
    public static Corpus Load(string directory)
    {
        if (!Directory.Exists(directory))
        {
            throw new CorpusException($"{directory}: no such corpus folder");
        }

        var sources = ReadArray<SourceDto>(directory, SourcesFile)
            .Select((s, i) => ValidateSource(s.Item, $"{Path.Combine(directory, SourcesFile)}:{s.Line}", i))
            .ToList();
        Duplicates(sources.Select(s => s.Id), Path.Combine(directory, SourcesFile), "source id");

        var claims = ReadArray<ClaimDto>(directory, ClaimsFile)
            .Select((c, i) => ValidateClaim(c.Item, $"{Path.Combine(directory, ClaimsFile)}:{c.Line}", i))
            .ToList();
        Duplicates(claims.Select(c => c.Id), Path.Combine(directory, ClaimsFile), "claim id");

        var sourceIds = sources.Select(s => s.Id).ToHashSet(StringComparer.Ordinal);
        var articles = ReadArticles(Path.Combine(directory, ArticlesFile), sourceIds);
        return new Corpus(sources, claims, articles);
    }

    /// <summary>Articles in replay order: published time, then id.</summary>
    public IReadOnlyList<CorpusArticle> ArticlesInPublishedOrder() =>
        Articles.OrderBy(a => a.PublishedAt).ThenBy(a => a.Id, StringComparer.Ordinal).ToList();

    /// <summary>The array's elements, each with the line it starts on, so a problem in one can name its line.</summary>
    private static List<(T Item, int Line)> ReadArray<T>(string directory, string file)
    {
        var path = Path.Combine(directory, file);
        if (!File.Exists(path))
        {
            throw new CorpusException($"{path}: missing (a corpus folder holds {SourcesFile}, {ClaimsFile} and {ArticlesFile})");
        }

        var bytes = File.ReadAllBytes(path);
        try
        {
            var items = JsonSerializer.Deserialize<List<T?>>(bytes, Json)
                ?? throw new CorpusException($"{path}:1: expected a JSON array");
            var lines = ElementLines(bytes);
            return items.Select((item, i) => item is null
                    ? throw new CorpusException($"{path}:{lines[i]}: expected a JSON object, not null")
                    : (item!, lines[i]))
                .ToList();
        }
        catch (JsonException ex)
        {
            throw new CorpusException($"{path}:{(ex.LineNumber ?? 0) + 1}: invalid JSON: {ex.Message}");
        }
    }

    private static List<int> ElementLines(byte[] json)
    {
        var lines = new List<int>();
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        while (reader.Read())
        {
            if (reader.CurrentDepth == 1 && reader.TokenType is not (JsonTokenType.EndObject or JsonTokenType.EndArray))
            {
                lines.Add(json.AsSpan(0, (int)reader.TokenStartIndex).Count((byte)'\n') + 1);
            }
        }

        return lines;
    }

    private static CorpusSource ValidateSource(SourceDto dto, string location, int index)
    {
        var where = $"{location}: source #{index + 1}";
        var id = Required(dto.Id, where, "id");
        var kind = Required(dto.Kind, where, "kind");
        if (!SourceKinds.Contains(kind))
        {
            throw new CorpusException($"{where} ({id}): kind '{kind}' is not one of {string.Join(", ", SourceKinds)}");
        }

        return new CorpusSource(id, Required(dto.Name, where, "name"), kind, dto.Country ?? "", dto.Language ?? "", location);
    }

    private static CorpusClaim ValidateClaim(ClaimDto dto, string location, int index)
    {
        var where = $"{location}: claim #{index + 1}";
        return new CorpusClaim(
            Required(dto.Id, where, "id"),
            Required(dto.Statement, where, "statement"),
            Required(dto.Topic, where, "topic"),
            dto.Keywords ?? [],
            dto.TopicKeywords ?? [],
            dto.Rules is null ? null : new CorpusClaimRules(dto.Rules.ConfirmationSources, dto.Rules.OmissionArticles, ParseWindow(dto.Rules.OmissionWindow, where)),
            location);
    }

    private static TimeSpan? ParseWindow(string? value, string where)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (TimeSpan.TryParse(value, CultureInfo.InvariantCulture, out var window) && window > TimeSpan.Zero)
        {
            return window;
        }

        throw new CorpusException($"{where}: rules.omission_window '{value}' is not a positive duration like \"14.00:00:00\"");
    }

    private static List<CorpusArticle> ReadArticles(string path, HashSet<string> sourceIds)
    {
        if (!File.Exists(path))
        {
            throw new CorpusException($"{path}: missing");
        }

        var articles = new List<CorpusArticle>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var where = $"{path}:{lineNumber}";
            ArticleDto dto;
            try
            {
                dto = JsonSerializer.Deserialize<ArticleDto>(line, Json) ?? throw new CorpusException($"{where}: expected a JSON object");
            }
            catch (JsonException ex)
            {
                throw new CorpusException($"{where}: invalid JSON: {ex.Message}");
            }

            var id = Required(dto.Id, where, "id");
            var sourceId = Required(dto.SourceId, where, "source_id");
            if (!sourceIds.Contains(sourceId))
            {
                throw new CorpusException($"{where}: source_id '{sourceId}' is not in {SourcesFile}");
            }

            if (!ids.Add(id))
            {
                throw new CorpusException($"{where}: id '{id}' appears twice");
            }

            var published = Required(dto.PublishedAt, where, "published_at");
            if (!DateTimeOffset.TryParse(published, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var publishedAt)
                || !published.Contains('T', StringComparison.Ordinal))
            {
                throw new CorpusException($"{where}: published_at '{published}' is not an RFC 3339 time like 2024-12-18T09:30:00Z");
            }

            articles.Add(new CorpusArticle(id, sourceId, Required(dto.Url, where, "url"), publishedAt, Required(dto.Title, where, "title"),
                Required(dto.Body, where, "body"), string.IsNullOrWhiteSpace(dto.Language) ? null : dto.Language, lineNumber));
        }

        return articles;
    }

    private static string Required(string? value, string where, string field) =>
        string.IsNullOrWhiteSpace(value) ? throw new CorpusException($"{where}: {field} is required") : value;

    private static void Duplicates(IEnumerable<string> ids, string path, string what)
    {
        var duplicate = ids.GroupBy(i => i, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        if (duplicate is not null)
        {
            throw new CorpusException($"{path}: {what} '{duplicate.Key}' appears twice");
        }
    }

    private sealed record SourceDto(string? Id, string? Name, string? Kind, string? Country, string? Language);

    private sealed record RulesDto(int ConfirmationSources, int OmissionArticles, string? OmissionWindow);

    private sealed record ClaimDto(string? Id, string? Statement, string? Topic, List<string>? Keywords, List<string>? TopicKeywords, RulesDto? Rules);

    private sealed record ArticleDto(string? Id, string? SourceId, string? Url, string? PublishedAt, string? Title, string? Body, string? Language);
}

public sealed class CorpusException(string message) : Exception(message);
