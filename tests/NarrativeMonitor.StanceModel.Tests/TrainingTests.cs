using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.StanceModel.Training;
using Xunit.Abstractions;

namespace NarrativeMonitor.StanceModel.Tests;

public class TrainingTests(ITestOutputHelper output)
{
    private static readonly StanceTrainingOptions SliceOptions = new()
    {
        Seed = 3,
        RelatedIterations = 100,
        StanceIterations = 100,
        MinimumExamplesPerLeaf = 10,
        TuneMultipliers = false,
    };

    private static FncDataset Slice(int bodies)
    {
        var full = FncData.Load();
        var ids = full.Bodies.Keys.Order().ToArray();
        new Random(7).Shuffle(ids);
        var keep = ids.Take(bodies).ToHashSet();
        return full.Subset(keep.Contains);
    }

    [Fact]
    public void Model_trained_on_150_bodies_beats_the_majority_guess_on_held_out_bodies()
    {
        var (train, heldOut) = Slice(150).SplitByBody(0.3, 1);
        Assert.DoesNotContain(heldOut.Bodies.Keys, train.Bodies.ContainsKey);

        var model = StanceTrainer.Train(train, SliceOptions);
        var evaluation = StanceEvaluator.Evaluate(model, heldOut);

        var gold = heldOut.Pairs.Select(p => p.Stance).ToList();
        var majority = gold.GroupBy(s => s).MaxBy(g => g.Count())!.Key;
        var majorityScore = FncScore.Compute(gold, gold.Select(_ => majority).ToList());
        var accuracy = gold.Zip(evaluation.Predicted).Count(x => x.First == x.Second) / (double)gold.Count;
        var majorityAccuracy = gold.Count(s => s == majority) / (double)gold.Count;

        output.WriteLine($"{train.Bodies.Count} training bodies, {heldOut.Bodies.Count} held out ({heldOut.Pairs.Count} pairs)");
        output.WriteLine(evaluation.Score.Report());
        output.WriteLine($"majority ({majority}): FNC {majorityScore.Percent:F2}%, macro-F1 {majorityScore.MacroF1:F4}, accuracy {majorityAccuracy:F4}; model accuracy {accuracy:F4}");
        Assert.True(evaluation.Score.Percent >= majorityScore.Percent + 25,
            $"FNC score {evaluation.Score.Percent:F1}% vs majority ({majority}) {majorityScore.Percent:F1}%");
        Assert.True(accuracy >= majorityAccuracy + 0.08, $"accuracy {accuracy:F3} vs majority {majorityAccuracy:F3}");
        Assert.True(evaluation.Score.MacroF1 >= majorityScore.MacroF1 + 0.2,
            $"macro-F1 {evaluation.Score.MacroF1:F3} vs majority {majorityScore.MacroF1:F3}");
    }

    [Fact]
    public void Training_is_reproducible_byte_for_byte()
    {
        var slice = Slice(60);
        var options = SliceOptions with { RelatedIterations = 30, StanceIterations = 30, TuneMultipliers = true };
        var first = Path.GetTempFileName();
        var second = Path.GetTempFileName();
        try
        {
            StanceTrainer.Train(slice, options).Save(first);
            StanceTrainer.Train(slice, options).Save(second);
            Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));
        }
        finally
        {
            File.Delete(first);
            File.Delete(second);
        }
    }

    [Fact]
    public void Split_by_body_is_disjoint_fixed_and_near_the_fraction()
    {
        var data = FncData.Load();
        var (train, validation) = data.SplitByBody(0.2, 1);
        var (_, again) = data.SplitByBody(0.2, 1);

        Assert.Equal(validation.Bodies.Keys.Order(), again.Bodies.Keys.Order());
        Assert.Empty(train.Bodies.Keys.Intersect(validation.Bodies.Keys));
        Assert.Equal(data.Pairs.Count, train.Pairs.Count + validation.Pairs.Count);
        Assert.InRange(validation.Bodies.Count, (int)(data.Bodies.Count * 0.19), (int)(data.Bodies.Count * 0.21) + 1);
        Assert.All(validation.Pairs, p => Assert.True(validation.Bodies.ContainsKey(p.BodyId)));
    }
}
