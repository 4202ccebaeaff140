using System.Text.Json;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Cli;

/// <summary>How often a classifier agrees with a corpus's hand labels (labels.jsonl), per labelled stance.</summary>
public sealed record CorpusStanceReport(IReadOnlyDictionary<Stance, (int Correct, int Total)> PerStance, IReadOnlyList<string> Disagreements)
{
    public int Correct => PerStance.Values.Sum(v => v.Correct);
    public int Total => PerStance.Values.Sum(v => v.Total);

    public static CorpusStanceReport Evaluate(Corpus corpus, string labelsPath, IStanceClassifier classifier)
    {
        var claims = classifier.Prepare(corpus.Claims
            .Select(c => new ClaimDefinition(c.Id, c.Statement, c.Topic, c.Keywords, c.TopicKeywords))
            .ToList());
        var articles = corpus.Articles.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var perStance = new Dictionary<Stance, (int Correct, int Total)>();
        var disagreements = new List<string>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(labelsPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            using var label = JsonDocument.Parse(line);
            var articleId = label.RootElement.GetProperty("article_id").GetString()!;
            var claimId = label.RootElement.GetProperty("claim_id").GetString()!;
            if (!articles.TryGetValue(articleId, out var article)
                || !Enum.TryParse<Stance>(label.RootElement.GetProperty("stance").GetString(), ignoreCase: true, out var expected))
            {
                throw new CorpusException($"{labelsPath}:{lineNumber}: unknown article '{articleId}' or stance");
            }

            var actual = classifier.Classify(new ArticleText(article.Title, article.Body, article.Language), claims)
                .FirstOrDefault(r => r.ClaimId == claimId)?.Stance ?? Stance.Unrelated;
            var (correct, total) = perStance.GetValueOrDefault(expected);
            perStance[expected] = (correct + (actual == expected ? 1 : 0), total + 1);
            if (actual != expected)
            {
                disagreements.Add($"{articleId} / {claimId}: labelled {expected}, classified {actual}");
            }
        }

        return new CorpusStanceReport(perStance, disagreements);
    }

    public void Write(TextWriter output)
    {
        output.WriteLine($"{"STANCE",-14}{"CORRECT",8}{"TOTAL",8}{"ACCURACY",10}");
        foreach (var (stance, (correct, total)) in PerStance.OrderBy(p => p.Key))
        {
            output.WriteLine($"{stance.ToString().ToLowerInvariant(),-14}{correct,8}{total,8}{(double)correct / total,10:P0}");
        }

        output.WriteLine($"{"all",-14}{Correct,8}{Total,8}{(double)Correct / Total,10:P0}");
        foreach (var disagreement in Disagreements)
        {
            output.WriteLine("  " + disagreement);
        }
    }
}
