using Microsoft.ML;
using Microsoft.ML.Trainers.LightGbm;
using NarrativeMonitor.StanceModel.Features;
using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel.Training;

public sealed record StanceTrainingOptions
{
    public int Seed { get; init; } = 1;

    public int RelatedIterations { get; init; } = 300;

    public int StanceIterations { get; init; } = 400;

    public int Leaves { get; init; } = 31;

    public int MinimumExamplesPerLeaf { get; init; } = 20;

    public double LearningRate { get; init; } = 0.05;

    /// <summary>Example weights of agree, disagree, discuss in stage 2 (disagree is rare).</summary>
    public float[] ClassWeights { get; init; } = [1.5f, 4f, 1f];

    /// <summary>
    /// Choose the agree/disagree decision multipliers on a by-body tuning split of the training set (never the
    /// validation split), then retrain on the whole training set.
    /// </summary>
    public bool TuneMultipliers { get; init; } = true;

    public double TuningFraction { get; init; } = 0.2;

    public string BodiesSha256 { get; init; } = "";

    public string StancesSha256 { get; init; } = "";
}

/// <summary>Trains the two-stage stance model from an FNC-1 format training set. Deterministic for a given seed.</summary>
public static class StanceTrainer
{
    private static readonly float[] AgreeMultipliers = [1f, 1.3f];
    private static readonly float[] DisagreeMultipliers = [1f, 1.5f, 2f, 3f, 4f, 6f];

    public static FncStanceModel Train(FncDataset train, StanceTrainingOptions options, TextWriter? log = null)
    {
        float[] multipliers = [1f, 1f, 1f];
        if (options.TuneMultipliers)
        {
            var (inner, tune) = train.SplitByBody(options.TuningFraction, options.Seed + 100);
            var innerModel = TrainCore(inner, options, multipliers, null);
            multipliers = ChooseMultipliers(innerModel, tune, log);
        }

        return TrainCore(train, options, multipliers, log);
    }

    /// <summary>Decision multipliers maximizing FNC-1 score fraction + macro-F1 on the tuning pairs.</summary>
    private static float[] ChooseMultipliers(FncStanceModel model, FncDataset tune, TextWriter? log)
    {
        var features = ExtractAll(tune, model.Idf, out var best);
        var probabilities = features.Select((f, i) => model.Predict(f, best[i]).Probabilities).ToList();
        var gold = tune.Pairs.Select(p => p.Stance).ToList();
        var bestObjective = double.MinValue;
        float[] chosen = [1f, 1f, 1f];
        foreach (var agree in AgreeMultipliers)
        {
            foreach (var disagree in DisagreeMultipliers)
            {
                var predicted = probabilities.Select(p => Decide(p, agree, disagree, model.Info.RelatedThreshold)).ToList();
                var score = FncScore.Compute(gold, predicted);
                var objective = (score.Percent / 100) + score.MacroF1;
                log?.WriteLine($"  tuning: agree x{agree} disagree x{disagree}: FNC {score.Percent:F2}% macro-F1 {score.MacroF1:F4} F1(disagree) {score.F1[1]:F4}");
                if (objective > bestObjective + 1e-9)
                {
                    bestObjective = objective;
                    chosen = [agree, disagree, 1f];
                }
            }
        }

        log?.WriteLine($"decision multipliers chosen on the tuning split ({tune.Bodies.Count} bodies): agree x{chosen[0]}, disagree x{chosen[1]}");
        return chosen;
    }

    private static FncStance Decide(float[] p, float agree, float disagree, float threshold)
    {
        var related = p[0] + p[1] + p[2];
        if (related < threshold)
        {
            return FncStance.Unrelated;
        }

        var a = p[0] * agree;
        var d = p[1] * disagree;
        var c = p[2];
        return a >= d && a >= c ? FncStance.Agree : d >= c ? FncStance.Disagree : FncStance.Discuss;
    }

    private static FncStanceModel TrainCore(FncDataset train, StanceTrainingOptions options, float[] multipliers, TextWriter? log)
    {
        var uniqueHeadlines = train.Pairs.Select(p => p.Headline).Distinct().Order(StringComparer.Ordinal).ToList();
        var idf = IdfVocabulary.Fit(train.Bodies.OrderBy(b => b.Key).Select(b => b.Value).Concat(uniqueHeadlines));
        log?.WriteLine($"IDF: {idf.Count} terms from {idf.DocumentCount} documents");

        var features = ExtractAll(train, idf, out _);
        var ml = new MLContext(seed: options.Seed);
        var schema = FeatureRow.Schema(StanceFeatures.Count);
        var relatedRows = train.Pairs.Select((p, i) => new FeatureRow
        {
            Label = p.Stance != FncStance.Unrelated,
            Weight = 1,
            Features = features[i],
        }).ToList();
        var relatedData = ml.Data.LoadFromEnumerable(relatedRows, schema);
        var models = new ITransformer[FncStanceModel.ModelNames.Length];
        models[0] = TrainBinary(ml, relatedData, options.RelatedIterations, options);
        log?.WriteLine($"stage 1 (related/unrelated) trained on {relatedRows.Count} pairs");

        var related = train.Pairs.Select((p, i) => (p.Stance, Features: features[i])).Where(x => x.Stance != FncStance.Unrelated).ToList();
        for (var c = 0; c < 3; c++)
        {
            var rows = related.Select(x => new FeatureRow
            {
                Label = (int)x.Stance == c,
                Weight = options.ClassWeights[(int)x.Stance],
                Features = x.Features,
            }).ToList();
            models[c + 1] = TrainBinary(ml, ml.Data.LoadFromEnumerable(rows, schema), options.StanceIterations, options);
        }

        log?.WriteLine($"stage 2 (agree, disagree, discuss, each versus the other two) trained on {related.Count} related pairs");

        var info = new StanceModelInfo(StanceFeatures.Count, options.Seed, 0.5f, multipliers,
            options.BodiesSha256, options.StancesSha256, train.Bodies.Count, train.Pairs.Count);
        return new FncStanceModel(ml, idf, models, relatedData.Schema, info);
    }

    private static ITransformer TrainBinary(MLContext ml, IDataView data, int iterations, StanceTrainingOptions options) =>
        TrainWeightedBinary(ml, data, iterations, options.Leaves, options.MinimumExamplesPerLeaf, options.LearningRate, options.Seed);

    /// <summary>A calibrated LightGBM binary model on <see cref="FeatureRow"/>s with their weights, single-threaded so that a seed gives one model.</summary>
    internal static ITransformer TrainWeightedBinary(MLContext ml, IDataView data, int iterations, int leaves, int minimumExamplesPerLeaf, double learningRate, int seed) =>
        ml.BinaryClassification.Trainers.LightGbm(new LightGbmBinaryTrainer.Options
        {
            NumberOfIterations = iterations,
            NumberOfLeaves = leaves,
            MinimumExampleCountPerLeaf = minimumExamplesPerLeaf,
            LearningRate = learningRate,
            Seed = seed,
            NumberOfThreads = 1,
            Silent = true,
            Verbose = false,
            ExampleWeightColumnName = nameof(FeatureRow.Weight),
        }).Fit(data);

    /// <summary>Features of every pair, each body and each distinct headline processed once.</summary>
    internal static float[][] ExtractAll(FncDataset data, IdfVocabulary idf, out int[] bestSentences)
    {
        bestSentences = new int[data.Pairs.Count];
        var bodies = data.Bodies.ToDictionary(b => b.Key, b => new ProcessedText(b.Value, idf));
        var headlines = new Dictionary<string, ProcessedText>(StringComparer.Ordinal);
        var result = new float[data.Pairs.Count][];
        for (var i = 0; i < data.Pairs.Count; i++)
        {
            var p = data.Pairs[i];
            if (!headlines.TryGetValue(p.Headline, out var h))
            {
                headlines[p.Headline] = h = new ProcessedText(p.Headline, idf);
            }

            result[i] = new float[StanceFeatures.Count];
            bestSentences[i] = StanceFeatures.Extract(h, bodies[p.BodyId], result[i]);
        }

        return result;
    }
}
