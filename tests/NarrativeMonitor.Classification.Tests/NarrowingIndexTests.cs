using NarrativeMonitor.Classifier;

namespace NarrativeMonitor.Classification.Tests;

/// <summary>
/// Classify scores a claim only against the sentences its narrowing index finds; these hold it to the same answers as
/// scoring every claim that shares a term against every sentence.
/// </summary>
public sealed class NarrowingIndexTests
{
    private static readonly RuleBasedStanceClassifier Classifier = new();

    [Fact]
    public void Sample_corpora_get_the_same_answers_as_exhaustive_scoring()
    {
        var (claims, articles) = SampleCorpora.Load();
        var prepared = (RuleBasedPreparedClaims)Classifier.Prepare(claims);
        var compared = 0;
        foreach (var article in articles.Concat(articles.Select(a => a with { Language = null })))
        {
            var expected = RuleBasedStanceClassifier.ClassifyExhaustively(article, prepared);
            Assert.Equal(expected, Classifier.Classify(article, prepared));
            compared += expected.Count;
        }

        Assert.True(compared > 50, $"only {compared} results compared");
    }

    [Fact]
    public void Claims_without_keywords_and_single_word_claims_get_the_same_answers_as_exhaustive_scoring()
    {
        var (sampleClaims, articles) = SampleCorpora.Load();
        string[] words = ["troops", "fighting", "Kursk", "North Korean", "chlorine", "Tarsel", "hospital", "the", "US", "F16", "войска"];
        var claims = sampleClaims.Select(c => c with { Id = c.Id + "-plain", Keywords = [] })
            .Concat(sampleClaims.Select(c => c with { Id = c.Id + "-bare", Keywords = [], TopicKeywords = [] }))
            .Concat(words.Select((w, i) => new ClaimDefinition($"w{i}", w, words[(i + 1) % words.Length], [w], [words[(i + 2) % words.Length]])))
            .Concat(words.Select((w, i) => new ClaimDefinition($"v{i}", w + " " + words[(i + 3) % words.Length], w, [], [])))
            .ToArray();
        var prepared = (RuleBasedPreparedClaims)Classifier.Prepare(claims);
        var compared = 0;
        foreach (var article in articles)
        {
            var expected = RuleBasedStanceClassifier.ClassifyExhaustively(article, prepared);
            Assert.Equal(expected, Classifier.Classify(article, prepared));
            compared += expected.Count;
        }

        Assert.True(compared > 100, $"only {compared} results compared");
    }

    [Fact]
    public void A_sentence_sharing_common_words_with_many_claims_is_not_about_any()
    {
        var claims = Enumerable.Range(0, 50)
            .Select(i => new ClaimDefinition($"c{i:D2}", $"Zorian{i} brigade{i} troops are fighting in Placeovo{i}",
                $"Placeovo{i} Regask{i} frontline", [$"brigade{i}"], [$"Placeovo{i}"]))
            .ToArray();
        var prepared = (RuleBasedPreparedClaims)Classifier.Prepare(claims);
        var article = new ArticleText("Drills", "The ministry said troops were fighting at a range outside Kalomia as part of annual drills.");

        Assert.Equal(50, prepared.SelectCandidates(article).Count);
        Assert.Empty(Classifier.Classify(article, prepared));
        Assert.Empty(RuleBasedStanceClassifier.ClassifyExhaustively(article, prepared));

        var onClaim = new ArticleText("Placeovo7", "Zorian7 brigade7 troops are fighting in Placeovo7, officials confirmed.");
        var result = Assert.Single(Classifier.Classify(onClaim, prepared));
        Assert.Equal(("c07", Contracts.Stance.Acknowledges), (result.ClaimId, result.Stance));
        Assert.Equal(RuleBasedStanceClassifier.ClassifyExhaustively(onClaim, prepared), Classifier.Classify(onClaim, prepared));
    }
}
