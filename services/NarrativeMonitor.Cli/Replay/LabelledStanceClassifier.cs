using System.Text.Json;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Cli.Replay;

/// <summary>
/// Answers with a corpus's hand labels (labels.jsonl), so a replay tests the pipeline and the alert rules on their own,
/// apart from how well any classifier reads the articles.
/// </summary>
public sealed class LabelledStanceClassifier : IStanceClassifier
{
    private readonly Dictionary<string, Dictionary<string, Stance>> _labelsByTitle;

    public LabelledStanceClassifier(Corpus corpus, string labelsPath)
    {
        if (!File.Exists(labelsPath))
        {
            throw new CorpusException($"{labelsPath}: missing (hand labels: one {{\"article_id\", \"claim_id\", \"stance\"}} per line)");
        }

        var titles = corpus.Articles.ToDictionary(a => a.Id, a => Key(a.Title), StringComparer.Ordinal);
        _labelsByTitle = [];
        var lineNumber = 0;
        foreach (var line in File.ReadLines(labelsPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            string articleId, claimId;
            Stance stance;
            try
            {
                using var label = JsonDocument.Parse(line);
                articleId = label.RootElement.GetProperty("article_id").GetString()!;
                claimId = label.RootElement.GetProperty("claim_id").GetString()!;
                stance = Enum.Parse<Stance>(label.RootElement.GetProperty("stance").GetString()!, ignoreCase: true);
            }
            catch (Exception ex) when (ex is JsonException or KeyNotFoundException or ArgumentException or InvalidOperationException)
            {
                throw new CorpusException($"{labelsPath}:{lineNumber}: {ex.Message}");
            }

            if (!titles.TryGetValue(articleId, out var title))
            {
                throw new CorpusException($"{labelsPath}:{lineNumber}: article_id '{articleId}' is not in {Corpus.ArticlesFile}");
            }

            if (!_labelsByTitle.TryGetValue(title, out var byClaim))
            {
                _labelsByTitle[title] = byClaim = new Dictionary<string, Stance>(StringComparer.Ordinal);
            }

            byClaim[claimId] = stance;
        }
    }

    public IPreparedClaims Prepare(IReadOnlyList<ClaimDefinition> claims) => new Prepared(claims);

    public IReadOnlyList<StanceResult> Classify(ArticleText article, IPreparedClaims claims)
    {
        var labels = _labelsByTitle.GetValueOrDefault(Key(article.Title)) ?? [];
        return claims.Claims
            .Select(c => (c.Id, Stance: labels.GetValueOrDefault(c.Id, Stance.Unrelated)))
            .Where(l => l.Stance != Stance.Unrelated)
            .Select(l => new StanceResult(l.Id, l.Stance, 1.0, article.Title))
            .ToList();
    }

    private static string Key(string title) => string.Join(' ', title.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));

    private sealed record Prepared(IReadOnlyList<ClaimDefinition> Claims) : IPreparedClaims;
}
