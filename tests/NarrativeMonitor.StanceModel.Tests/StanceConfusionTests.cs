using NarrativeMonitor.Contracts;
using NarrativeMonitor.StanceModel.Training;

namespace NarrativeMonitor.StanceModel.Tests;

public class StanceConfusionTests
{
    [Fact]
    public void Accuracy_F1_and_macro_F1_match_hand_computed_values()
    {
        var confusion = new StanceConfusion();
        (Stance Labelled, Stance Classified)[] pairs =
        [
            (Stance.Acknowledges, Stance.Acknowledges), (Stance.Acknowledges, Stance.Acknowledges), (Stance.Acknowledges, Stance.Discusses),
            (Stance.Discusses, Stance.Discusses), (Stance.Discusses, Stance.Acknowledges),
            (Stance.Denies, Stance.Denies),
            (Stance.Omits, Stance.Unrelated),
        ];
        for (var i = 0; i < pairs.Length; i++)
        {
            confusion.Record($"a{i} / c", pairs[i].Labelled, pairs[i].Classified);
        }

        // acknowledges: tp 2, labelled 3, classified 3 -> 4/6; discusses: tp 1, labelled 2, classified 2 -> 2/4;
        // denies: 1; omits: tp 0 -> 0; unrelated: never labelled, so not in the macro mean.
        Assert.Equal(7, confusion.Total);
        Assert.Equal(4, confusion.Correct);
        Assert.Equal(4.0 / 6, confusion.F1(Stance.Acknowledges), 6);
        Assert.Equal(0.5, confusion.F1(Stance.Discusses), 6);
        Assert.Equal(0.0, confusion.F1(Stance.Omits), 6);
        Assert.Equal(((4.0 / 6) + 0.5 + 1 + 0) / 4, confusion.MacroF1, 6);
        Assert.Equal((2, 3), confusion.PerStance(Stance.Acknowledges));
        Assert.Equal(1, confusion.Count(Stance.Omits, Stance.Unrelated));
        Assert.Equal(3, confusion.Disagreements.Count);
        Assert.Contains("a6 / c: labelled Omits, classified Unrelated", confusion.Disagreements);
    }

    [Fact]
    public void Add_sums_counts()
    {
        var a = new StanceConfusion();
        a.Record("x", Stance.Denies, Stance.Denies);
        var b = new StanceConfusion();
        b.Record("y", Stance.Denies, Stance.Deflects);
        a.Add(b);
        Assert.Equal((1, 2), a.PerStance(Stance.Denies));
        Assert.Equal(0.5, a.Accuracy);
    }
}
