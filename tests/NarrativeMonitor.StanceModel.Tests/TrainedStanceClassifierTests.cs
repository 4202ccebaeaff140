using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;
using Xunit.Abstractions;

namespace NarrativeMonitor.StanceModel.Tests;

public class TrainedStanceClassifierTests(ITestOutputHelper output)
{
    private static readonly Lazy<TrainedStanceClassifier> Shared = new(() => new TrainedStanceClassifier());

    private static readonly ClaimDefinition Kursk = new(
        "nk-kursk",
        ShippedModelTests.Claim,
        "Russia's war in Ukraine: fighting in Kursk Oblast",
        ["North Korea", "DPRK"],
        ["Kursk", "Ukraine", "Russia"]);

    private static readonly ClaimDefinition Phone = new(
        "foldable-phone",
        "Apple will release a foldable iPhone next year",
        "Smartphones",
        [],
        ["iPhone", "smartphone"]);

    private static TrainedStanceClassifier Classifier => Shared.Value;

    private static IReadOnlyList<StanceResult> Classify(string title, string body, params ClaimDefinition[] claims) =>
        Classifier.Classify(new ArticleText(title, body), Classifier.Prepare(claims));

    [Fact]
    public void Loading_is_measured()
    {
        Assert.True(Classifier.LoadTime > TimeSpan.Zero);
    }

    [Fact]
    public void Acknowledging_article_acknowledges_with_a_sentence_as_evidence_and_leaves_unrelated_claims_out()
    {
        var results = Classify("North Korean troops in Kursk", ShippedModelTests.Acknowledging, Kursk, Phone);

        var result = Assert.Single(results);
        Assert.Equal("nk-kursk", result.ClaimId);
        Assert.Equal(Stance.Acknowledges, result.Stance);
        Assert.InRange(result.Confidence, 0.34, 1.0);
        Assert.NotNull(result.Evidence);
        Assert.Contains("North Korean", result.Evidence);
        Assert.True(ShippedModelTests.Acknowledging.Contains(result.Evidence) || result.Evidence.StartsWith("North Korean troops in Kursk"), result.Evidence);
    }

    /// <summary>
    /// The article reports the ministry's rejection in a reporter's voice: from a state outlet that carries it as its line
    /// it is a denial (from a wire that relays it, the labelling rules make it discussion, so the outlet is given).
    /// </summary>
    [Fact]
    public void Denying_article_from_a_state_outlet_denies()
    {
        var results = Classifier.Classify(new ArticleText("Kremlin: reports are fake", ShippedModelTests.Denying, Source: SourceKind.StateMedia),
            Classifier.Prepare([Kursk, Phone]));
        Assert.Equal(Stance.Denies, Assert.Single(results).Stance);
    }

    [Fact]
    public void Declining_to_confirm_or_deny_deflects()
    {
        const string body =
            "Kremlin spokesman Dmitry Peskov declined to comment on reports that North Korean troops are fighting for Russia in Kursk Oblast. " +
            "Asked about the North Korean soldiers, he said he would neither confirm nor deny the reports and had nothing to add. " +
            "Ukrainian officials have said thousands of North Korean troops were sent to Kursk.";
        var result = Assert.Single(Classify("Peskov on Kursk reports", body, Kursk));
        Assert.Equal(Stance.Deflects, result.Stance);
    }

    [Fact]
    public void Article_on_the_topic_that_is_silent_on_the_claim_omits()
    {
        const string body =
            "The city council approved a new budget for public libraries on Tuesday. " +
            "Officials in the Kursk region attended the ceremony, which was also broadcast across Russia. " +
            "Librarians welcomed the extra funding, which will extend opening hours on weekends.";
        var result = Assert.Single(Classify("Library budget approved", body, Kursk, Phone));
        Assert.Equal(Stance.Omits, result.Stance);
        Assert.Null(result.Evidence);
    }

    private static readonly ClaimDefinition KurskWithNames = new(
        "nk-kursk-names",
        "North Korean troops are fighting alongside Russian forces in Kursk Oblast",
        "fighting in Russia's Kursk Oblast",
        ["North Korean", "North Korea", "DPRK", "Pyongyang", "КНДР", "северокорейск"],
        ["Kursk", "Курск", "Sudzha", "Суджа"]);

    [Fact]
    public void One_keyword_of_several_alternative_names_is_a_mention()
    {
        const string body =
            "North Korean troops have moved to the front line in Russia's Kursk region and are engaged in combat against " +
            "Ukrainian forces, the National Security Council spokesman said. He said North Korean units took part in assaults.";
        var result = Assert.Single(Classify("White House: North Korean forces fighting in Kursk", body, KurskWithNames));
        Assert.NotEqual(Stance.Omits, result.Stance);
        Assert.NotNull(result.Evidence);
    }

    [Fact]
    public void Common_statement_words_without_a_keyword_are_no_mention_and_a_one_word_topic_keyword_puts_it_on_topic()
    {
        const string body =
            "Units of the North group of forces beat back five attacks by Ukrainian assault groups in the Kursk region, " +
            "the Russian Defence Ministry said. Russian troops also hit equipment in eleven settlements across the border.";
        var result = Assert.Single(Classify("Russian forces repel attacks in Kursk region", body, KurskWithNames));
        Assert.Equal(Stance.Omits, result.Stance);
    }

    [Fact]
    public void Article_off_topic_that_does_not_mention_the_claim_is_left_out_whatever_the_words_it_shares()
    {
        const string body =
            "Russian forces destroyed a rocket launcher near the border, the Defence Ministry said. Units of the North group " +
            "of forces moved forward, and troops are fighting for two villages.";
        Assert.Empty(Classify("Russian forces destroy launcher", body, KurskWithNames));
    }

    [Fact]
    public void Article_off_topic_is_left_out()
    {
        Assert.Empty(Classify("Library budget", ShippedModelTests.Unrelated, Kursk, Phone));
    }

    [Fact]
    public void Ten_thousand_claims_give_the_same_answer_for_the_claim_that_matters()
    {
        var claims = new List<ClaimDefinition> { Kursk };
        var words = new[] { "tariff", "harvest", "senate", "vaccine", "glacier", "stadium", "satellite", "pipeline", "museum", "election",
            "bridge", "reactor", "festival", "airline", "refinery", "orchestra", "drought", "railway", "telescope", "vineyard" };
        for (var i = 0; i < 9_999; i++)
        {
            var a = words[i % words.Length];
            var b = words[(i / words.Length) % words.Length];
            claims.Add(new ClaimDefinition($"c{i}", $"The {a} in region {i} affects the {b} plan {i * 7}", $"{b} policy", [], [$"{a}{i}"]));
        }

        var small = Classifier.Classify(new ArticleText("", ShippedModelTests.Acknowledging), Classifier.Prepare([Kursk]));
        var large = Classifier.Classify(new ArticleText("", ShippedModelTests.Acknowledging), Classifier.Prepare(claims));

        Assert.Equal(small, large);
    }

    [Fact]
    public void Candidate_index_keeps_98_percent_of_the_related_FNC_validation_pairs_the_model_finds_related()
    {
        var (_, validation) = FncData.Load().SplitByBody(0.2, 1);
        var headlines = validation.Pairs.Select(p => p.Headline).Distinct().ToList();
        var claims = headlines.Select((h, i) => new ClaimDefinition(i.ToString(System.Globalization.CultureInfo.InvariantCulture), h, "", [], [])).ToList();
        var idOf = headlines.Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var prepared = (TrainedStanceClassifier.PreparedClaims)Classifier.Prepare(claims);

        int related = 0, kept = 0;
        foreach (var body in validation.Pairs.Where(p => p.Stance != Fnc.FncStance.Unrelated).GroupBy(p => p.BodyId))
        {
            var article = Classifier.Model.Process(validation.Bodies[body.Key]);
            var candidates = prepared.Candidates(article).Where(c => c.OnClaim).Select(c => claims[c.Claim].Id).ToHashSet();
            foreach (var pair in body)
            {
                if (Classifier.Model.Predict(Classifier.Model.Process(pair.Headline), article).Stance == Fnc.FncStance.Unrelated)
                {
                    continue;
                }

                related++;
                if (candidates.Contains(idOf[pair.Headline]))
                {
                    kept++;
                }
            }
        }

        output.WriteLine($"{kept} of {related} related pairs the model finds related are candidates");
        Assert.True(kept >= related * 0.98, $"{kept} of {related} related pairs kept");
    }
}
