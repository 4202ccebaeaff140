using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.StanceModel.Model;

namespace NarrativeMonitor.StanceModel.Tests;

public class ShippedModelTests
{
    internal const string Claim = "North Korean troops are fighting for Russia in Kursk Oblast";

    internal const string Acknowledging =
        "Ukrainian forces have engaged North Korean troops in Russia's Kursk region, Ukraine's defence ministry said on Monday. " +
        "US officials confirmed that thousands of North Korean soldiers are fighting alongside Russian units in Kursk Oblast. " +
        "The Pentagon said the troops had suffered heavy casualties in recent assaults. " +
        "The deployment of North Korean troops to fight for Russia was confirmed by South Korean intelligence as well.";

    internal const string Denying =
        "Russia's defence ministry on Friday rejected reports that North Korean troops are fighting in Kursk Oblast, " +
        "calling them fake news spread by Kyiv and its Western backers. " +
        "\"There are no North Korean soldiers in the Kursk region. This is a hoax, plain and simple,\" a ministry spokesman said. " +
        "The ministry said photographs circulating online had been doctored and that the story was false. " +
        "Moscow has repeatedly denied that foreign troops are fighting for Russia, and officials dismissed the claims as baseless. " +
        "Pyongyang also denied sending any troops, describing the reports as a fabrication and a lie. " +
        "Russian state television did not show any evidence of North Korean units, and commentators called the allegations absurd.";

    internal const string Unrelated =
        "The city council approved a new budget for public libraries on Tuesday. " +
        "Librarians welcomed the extra funding, which will extend opening hours on weekends. " +
        "The mayor said reading programmes for children would also be expanded next year.";

    private static readonly Lazy<FncStanceModel> Shipped = new(FncStanceModel.LoadEmbedded);

    [Fact]
    public void Shipped_model_loads_from_the_assembly()
    {
        var model = Shipped.Value;
        Assert.True(model.Idf.Count > 1000);
        Assert.True(model.Info.TrainingPairs > 30000);
        Assert.Equal(3, model.Info.ClassMultipliers.Length);
    }

    [Fact]
    public void Acknowledging_article_is_agree()
    {
        var p = Shipped.Value.Predict(Claim, Acknowledging);
        Assert.Equal(FncStance.Agree, p.Stance);
    }

    [Fact]
    public void Denying_article_is_disagree()
    {
        var p = Shipped.Value.Predict(Claim, Denying);
        Assert.Equal(FncStance.Disagree, p.Stance);
    }

    [Fact]
    public void Unrelated_article_is_unrelated()
    {
        var p = Shipped.Value.Predict(Claim, Unrelated);
        Assert.Equal(FncStance.Unrelated, p.Stance);
        Assert.True(p.Probabilities[(int)FncStance.Unrelated] > 0.9, $"P(unrelated) = {p.Probabilities[3]}");
    }

    [Fact]
    public void Answers_are_stable_and_probabilities_sum_to_one()
    {
        var model = Shipped.Value;
        var reloaded = FncStanceModel.LoadEmbedded();
        foreach (var body in new[] { Acknowledging, Denying, Unrelated })
        {
            var a = model.Predict(Claim, body);
            var b = reloaded.Predict(Claim, body);
            Assert.Equal(a.Stance, b.Stance);
            Assert.Equal(a.Probabilities, b.Probabilities);
            Assert.Equal(1.0, a.Probabilities.Sum(), 3);
        }
    }

    [Fact]
    public void Concurrent_predictions_agree_with_sequential_ones()
    {
        var model = Shipped.Value;
        var expected = model.Predict(Claim, Denying).Probabilities;
        Parallel.For(0, 64, _ => Assert.Equal(expected, model.Predict(Claim, Denying).Probabilities));
    }
}

public class CompiledForestTests
{
    [Fact]
    public void Compiled_trees_give_ML_NET_probabilities_on_validation_pairs()
    {
        var model = FncStanceModel.LoadEmbedded();
        var (_, validation) = FncData.Load().SplitByBody(0.2, 1);
        var bodies = new Dictionary<int, NarrativeMonitor.StanceModel.Text.ProcessedText>();
        foreach (var pair in validation.Pairs.Where((_, i) => i % 40 == 0))
        {
            if (!bodies.TryGetValue(pair.BodyId, out var body))
            {
                bodies[pair.BodyId] = body = model.Process(validation.Bodies[pair.BodyId]);
            }

            var features = new float[Features.StanceFeatures.Count];
            Features.StanceFeatures.Extract(model.Process(pair.Headline), body, features);
            for (var m = 0; m < FncStanceModel.ModelNames.Length; m++)
            {
                Assert.Equal(model.ProbabilityByMlNet(m, features), model.Probability(m, features), 5);
            }
        }
    }
}
