using System.Globalization;
using System.Text;

namespace NarrativeMonitor.StanceModel.Fnc;

/// <summary>Scores predictions exactly as the official FNC-1 scorer, plus per-class F1, macro-F1 and a confusion matrix.</summary>
public sealed class FncScore
{
    private FncScore(double score, double maxScore, long[,] confusion)
    {
        Score = score;
        MaxScore = maxScore;
        Confusion = confusion;
        F1 = new double[4];
        for (var c = 0; c < 4; c++)
        {
            long tp = confusion[c, c], predicted = 0, gold = 0;
            for (var k = 0; k < 4; k++)
            {
                predicted += confusion[k, c];
                gold += confusion[c, k];
            }

            var precision = predicted == 0 ? 0 : (double)tp / predicted;
            var recall = gold == 0 ? 0 : (double)tp / gold;
            F1[c] = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
        }
    }

    public double Score { get; }

    public double MaxScore { get; }

    /// <summary>FNC-1 score as a percentage of the maximum attainable on these gold labels.</summary>
    public double Percent => MaxScore == 0 ? 0 : 100 * Score / MaxScore;

    /// <summary>Rows: gold class, columns: predicted class, in <see cref="FncStance"/> order.</summary>
    public long[,] Confusion { get; }

    public double[] F1 { get; }

    public double MacroF1 => F1.Average();

    public long Count
    {
        get
        {
            long n = 0;
            foreach (var v in Confusion)
            {
                n += v;
            }

            return n;
        }
    }

    public static FncScore Compute(IReadOnlyList<FncStance> gold, IReadOnlyList<FncStance> predicted)
    {
        if (gold.Count != predicted.Count)
        {
            throw new ArgumentException("gold and predicted must have the same length");
        }

        double score = 0, max = 0;
        var confusion = new long[4, 4];
        for (var i = 0; i < gold.Count; i++)
        {
            var g = gold[i];
            var p = predicted[i];
            var goldRelated = g != FncStance.Unrelated;
            var predictedRelated = p != FncStance.Unrelated;
            if (goldRelated == predictedRelated)
            {
                score += 0.25;
            }

            if (goldRelated && g == p)
            {
                score += 0.75;
            }

            max += goldRelated ? 1.0 : 0.25;
            confusion[(int)g, (int)p]++;
        }

        return new FncScore(score, max, confusion);
    }

    public string Report()
    {
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        sb.AppendLine(inv, $"FNC-1 score: {Score:F2} / {MaxScore:F2} = {Percent:F2}%");
        sb.AppendLine(inv, $"{"gold \\ predicted",-18}{"agree",10}{"disagree",10}{"discuss",10}{"unrelated",10}");
        for (var g = 0; g < 4; g++)
        {
            sb.Append(inv, $"{FncDataset.StanceNames[g],-18}");
            for (var p = 0; p < 4; p++)
            {
                sb.Append(inv, $"{Confusion[g, p],10}");
            }

            sb.AppendLine();
        }

        for (var c = 0; c < 4; c++)
        {
            sb.AppendLine(inv, $"F1 {FncDataset.StanceNames[c],-10} {F1[c]:F4}");
        }

        sb.Append(inv, $"macro-F1      {MacroF1:F4}");
        return sb.ToString();
    }
}
