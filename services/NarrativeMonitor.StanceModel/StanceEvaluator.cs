using System.Diagnostics;
using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel;

public sealed record StanceEvaluation(FncScore Score, IReadOnlyList<FncStance> Predicted, int Pairs, TimeSpan Elapsed)
{
    public double PairsPerSecond => Pairs / Math.Max(Elapsed.TotalSeconds, 1e-9);
}

/// <summary>Classifies every pair of an FNC-1 format data set, single-threaded, each body and headline analysed once.</summary>
public static class StanceEvaluator
{
    public static StanceEvaluation Evaluate(FncStanceModel model, FncDataset data)
    {
        var bodies = new Dictionary<int, ProcessedText>();
        var headlines = new Dictionary<string, ProcessedText>(StringComparer.Ordinal);
        var predicted = new FncStance[data.Pairs.Count];
        var stopwatch = Stopwatch.StartNew();
        for (var i = 0; i < data.Pairs.Count; i++)
        {
            var pair = data.Pairs[i];
            if (!bodies.TryGetValue(pair.BodyId, out var body))
            {
                bodies[pair.BodyId] = body = model.Process(data.Bodies[pair.BodyId]);
            }

            if (!headlines.TryGetValue(pair.Headline, out var headline))
            {
                headlines[pair.Headline] = headline = model.Process(pair.Headline);
            }

            predicted[i] = model.Predict(headline, body).Stance;
        }

        stopwatch.Stop();
        var score = FncScore.Compute(data.Pairs.Select(p => p.Stance).ToList(), predicted);
        return new StanceEvaluation(score, predicted, data.Pairs.Count, stopwatch.Elapsed);
    }
}
