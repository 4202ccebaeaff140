using System.Text.Json;
using NarrativeMonitor.Classifier;

namespace NarrativeMonitor.Classification.Tests;

/// <summary>The claims and articles of both sample corpora in samples/.</summary>
internal static class SampleCorpora
{
    public static (IReadOnlyList<ClaimDefinition> Claims, IReadOnlyList<ArticleText> Articles) Load()
    {
        var claims = new List<ClaimDefinition>();
        var articles = new List<ArticleText>();
        foreach (var corpus in new[] { "kursk-2024", "tarsel-chlorine-2025" })
        {
            var directory = Path.Combine(RepositoryPaths.Samples, corpus);
            claims.AddRange(JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "claims.json"))).RootElement.EnumerateArray()
                .Select(c => new ClaimDefinition(c.GetProperty("id").GetString()!, c.GetProperty("statement").GetString()!,
                    c.GetProperty("topic").GetString()!, Strings(c, "keywords"), Strings(c, "topic_keywords"))));
            articles.AddRange(File.ReadLines(Path.Combine(directory, "articles.jsonl"))
                .Where(line => !string.IsNullOrWhiteSpace(line))
                .Select(line => JsonDocument.Parse(line).RootElement)
                .Select(a => new ArticleText(a.GetProperty("title").GetString()!, a.GetProperty("body").GetString()!,
                    a.TryGetProperty("language", out var language) ? language.GetString() : null)));
        }

        return (claims, articles);
    }

    private static string[] Strings(JsonElement claim, string property) =>
        claim.TryGetProperty(property, out var values) ? values.EnumerateArray().Select(v => v.GetString()!).ToArray() : [];
}
