using System.Text.Json;
using NarrativeMonitor.Classifier;
using Xunit.Abstractions;

namespace NarrativeMonitor.Classification.Tests;

/// <summary>
/// Agreement of the rule-based classifier with the human stance labels of the sample corpora in samples/. A guard
/// against regressions, not a tuning target: the corpora are small and the classifier must not special-case them.
/// </summary>
public sealed class SampleCorpusTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("kursk-2024", 0.9)]
    [InlineData("tarsel-chlorine-2025", 0.85)]
    public void Agrees_with_the_human_labels(string corpus, double minimumAgreement)
    {
        var directory = Path.Combine(RepositoryPaths.Samples, corpus);
        var claims = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, "claims.json"))).RootElement.EnumerateArray()
            .Select(c => new ClaimDefinition(
                c.GetProperty("id").GetString()!,
                c.GetProperty("statement").GetString()!,
                c.GetProperty("topic").GetString()!,
                Strings(c, "keywords"),
                Strings(c, "topic_keywords")))
            .ToArray();
        var labels = File.ReadLines(Path.Combine(directory, "labels.jsonl"))
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .Select(line => JsonDocument.Parse(line).RootElement)
            .ToDictionary(e => (e.GetProperty("article_id").GetString()!, e.GetProperty("claim_id").GetString()!), e => e.GetProperty("stance").GetString()!);

        var classifier = new RuleBasedStanceClassifier();
        var prepared = classifier.Prepare(claims);
        var agreed = 0;
        var compared = 0;
        foreach (var line in File.ReadLines(Path.Combine(directory, "articles.jsonl")).Where(l => !string.IsNullOrWhiteSpace(l)))
        {
            var article = JsonDocument.Parse(line).RootElement;
            var id = article.GetProperty("id").GetString()!;
            var results = classifier.Classify(new ArticleText(article.GetProperty("title").GetString()!, article.GetProperty("body").GetString()!), prepared);
            foreach (var claim in claims)
            {
                var result = results.FirstOrDefault(r => r.ClaimId == claim.Id);
                var actual = result?.Stance.ToString().ToLowerInvariant() ?? "unrelated";
                var expected = labels.GetValueOrDefault((id, claim.Id), "unrelated");
                compared++;
                if (actual == expected)
                {
                    agreed++;
                }
                else
                {
                    output.WriteLine($"{id}: labelled {expected}, classified {actual} ({result?.Confidence}): {result?.Evidence}");
                }
            }
        }

        Assert.NotEmpty(labels);
        var agreement = (double)agreed / compared;
        output.WriteLine($"{corpus}: {agreed} of {compared} agree ({agreement:P0})");
        Assert.True(agreement >= minimumAgreement, $"{corpus}: agreement {agreement:P1} is below {minimumAgreement:P0}");
    }

    private static string[] Strings(JsonElement claim, string property) =>
        claim.TryGetProperty(property, out var values) ? values.EnumerateArray().Select(v => v.GetString()!).ToArray() : [];
}
