using NarrativeMonitor.Classifier;

namespace NarrativeMonitor.Classification.Tests;

public sealed class CandidateIndexTests
{
    private static readonly RuleBasedStanceClassifier Classifier = new();

    [Fact]
    public void An_article_about_one_claim_is_not_compared_with_an_unrelated_claim()
    {
        var prepared = (RuleBasedPreparedClaims)Classifier.Prepare([Claims.DprkTroops, Claims.GrainExports]);
        var candidates = prepared.SelectCandidates(new ArticleText("",
            "Северокорейские военные воюют под Суджей. Pyongyang confirmed nothing."));
        Assert.Equal([Claims.DprkTroops], candidates);
    }

    [Fact]
    public void Keyword_prefixes_and_inflected_topic_keywords_select_the_claim()
    {
        var prepared = (RuleBasedPreparedClaims)Classifier.Prepare([Claims.GrainExports, Claims.DprkTroops]);
        Assert.Equal([Claims.DprkTroops], prepared.SelectCandidates(new ArticleText("", "Северокорейских")));
        Assert.Equal([Claims.DprkTroops], prepared.SelectCandidates(new ArticleText("", "Курской")));
        Assert.Empty(prepared.SelectCandidates(new ArticleText("Погода", "В Москве идет снег.")));
    }

    [Fact]
    public void Ten_thousand_claims_are_narrowed_to_those_sharing_terms()
    {
        var claims = Enumerable.Range(0, 10_000)
            .Select(i => new ClaimDefinition($"c{i:D5}", $"Factory zeta{i} exported turbines", $"industry of region omega{i}", [$"kappa{i}"], []))
            .Append(Claims.DprkTroops)
            .ToArray();
        var prepared = (RuleBasedPreparedClaims)Classifier.Prepare(claims);

        var candidates = prepared.SelectCandidates(new ArticleText("", "Omega42 and zeta7 were mentioned next to kappa9000."));
        Assert.Equal(["c00007", "c00042", "c09000"], candidates.Select(c => c.Id));

        var results = Classifier.Classify(new ArticleText("", "North Korean troops are fighting in Kursk."), prepared);
        Assert.Equal([Claims.DprkTroops.Id], results.Select(r => r.ClaimId));
    }
}
