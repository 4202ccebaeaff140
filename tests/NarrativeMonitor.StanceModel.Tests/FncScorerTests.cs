using NarrativeMonitor.StanceModel.Fnc;
using static NarrativeMonitor.StanceModel.Fnc.FncStance;

namespace NarrativeMonitor.StanceModel.Tests;

public class FncScorerTests
{
    [Fact]
    public void Perfect_predictions_score_the_maximum()
    {
        FncStance[] gold = [Agree, Disagree, Discuss, Unrelated, Unrelated];
        var score = FncScore.Compute(gold, gold);

        // max = 3 related * 1.0 + 2 unrelated * 0.25
        Assert.Equal(3.5, score.MaxScore, 10);
        Assert.Equal(3.5, score.Score, 10);
        Assert.Equal(100, score.Percent, 10);
        Assert.All(score.F1, f => Assert.Equal(1, f, 10));
    }

    [Fact]
    public void Hand_computed_mixed_case()
    {
        FncStance[] gold = [Agree, Agree, Disagree, Discuss, Unrelated, Unrelated, Unrelated];
        FncStance[] predicted = [Agree, Discuss, Unrelated, Discuss, Unrelated, Agree, Unrelated];

        // agree->agree 1.0; agree->discuss 0.25 (both related); disagree->unrelated 0; discuss->discuss 1.0;
        // unrelated->unrelated 0.25; unrelated->agree 0; unrelated->unrelated 0.25 => 2.75
        // max = 4 related * 1.0 + 3 unrelated * 0.25 = 4.75
        var score = FncScore.Compute(gold, predicted);
        Assert.Equal(2.75, score.Score, 10);
        Assert.Equal(4.75, score.MaxScore, 10);
        Assert.Equal(100 * 2.75 / 4.75, score.Percent, 10);

        Assert.Equal(1, score.Confusion[(int)Agree, (int)Agree]);
        Assert.Equal(1, score.Confusion[(int)Agree, (int)Discuss]);
        Assert.Equal(1, score.Confusion[(int)Disagree, (int)Unrelated]);
        Assert.Equal(1, score.Confusion[(int)Unrelated, (int)Agree]);
        Assert.Equal(2, score.Confusion[(int)Unrelated, (int)Unrelated]);
        Assert.Equal(7, score.Count);

        // agree: tp 1, predicted 2, gold 2 -> P .5 R .5 F1 .5
        Assert.Equal(0.5, score.F1[(int)Agree], 10);
        // disagree: never predicted -> 0
        Assert.Equal(0, score.F1[(int)Disagree], 10);
        // discuss: tp 1, predicted 2, gold 1 -> P .5 R 1 F1 2/3
        Assert.Equal(2.0 / 3, score.F1[(int)Discuss], 10);
        // unrelated: tp 2, predicted 3, gold 3 -> 2/3
        Assert.Equal(2.0 / 3, score.F1[(int)Unrelated], 10);
        Assert.Equal((0.5 + 0 + (2.0 / 3) + (2.0 / 3)) / 4, score.MacroF1, 10);
    }

    [Fact]
    public void All_unrelated_guess_gets_only_the_unrelated_quarter_points()
    {
        FncStance[] gold = [Agree, Discuss, Unrelated, Unrelated, Unrelated, Unrelated];
        FncStance[] predicted = [Unrelated, Unrelated, Unrelated, Unrelated, Unrelated, Unrelated];
        var score = FncScore.Compute(gold, predicted);

        // 4 * 0.25 = 1.0 of max 2 * 1.0 + 4 * 0.25 = 3.0
        Assert.Equal(1.0, score.Score, 10);
        Assert.Equal(3.0, score.MaxScore, 10);
        Assert.Equal(100.0 / 3, score.Percent, 10);
    }

    [Fact]
    public void Related_but_wrong_class_earns_the_quarter_point()
    {
        var score = FncScore.Compute([Disagree], [Agree]);
        Assert.Equal(0.25, score.Score, 10);
        Assert.Equal(1.0, score.MaxScore, 10);
    }

    [Fact]
    public void Lengths_must_match()
    {
        Assert.Throws<ArgumentException>(() => FncScore.Compute([Agree], []));
    }
}
