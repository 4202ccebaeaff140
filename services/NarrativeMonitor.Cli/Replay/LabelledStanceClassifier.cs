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
        var titles = corpus.Articles.ToDictionary(a => a.Id, a => Key(a.Title), StringComparer.Ordinal);
        _labelsByTitle = [];
        foreach (var label in StanceCorpora.ReadLabels(corpus, labelsPath))
        {
            var title = titles[label.ArticleId];
            if (!_labelsByTitle.TryGetValue(title, out var byClaim))
            {
                _labelsByTitle[title] = byClaim = new Dictionary<string, Stance>(StringComparer.Ordinal);
            }

            byClaim[label.ClaimId] = label.Stance;
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
