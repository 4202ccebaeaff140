using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using Microsoft.ML.Data;
using NarrativeMonitor.StanceModel.Features;
using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel.Model;

internal sealed class FeatureRow
{
    public bool Label { get; set; }

    public float Weight { get; set; }

    [VectorType]
    public float[] Features { get; set; } = [];

    public static SchemaDefinition Schema(int featureCount)
    {
        var schema = SchemaDefinition.Create(typeof(FeatureRow));
        schema[nameof(Features)].ColumnType = new VectorDataViewType(NumberDataViewType.Single, featureCount);
        return schema;
    }
}

internal sealed class BinaryOutput
{
    public float Probability { get; set; }
}

/// <summary>A prediction: the FNC-1 class, the four class probabilities and the body sentence that best matches the headline.</summary>
public sealed record StancePrediction(FncStance Stance, float[] Probabilities, int BestSentence);

/// <summary>
/// The shipped two-stage model. Stage 1: related vs unrelated. Stage 2: agree, disagree and discuss, each one versus
/// the other two among related pairs, probabilities normalized and scaled by decision multipliers tuned on a
/// training-only split. All four are calibrated ML.NET LightGBM binary models, evaluated through
/// <see cref="CompiledForest"/>. Immutable and thread-safe.
/// </summary>
public sealed class FncStanceModel
{
    public const string ResourceName = "NarrativeMonitor.StanceModel.stance-model.zip";

    /// <summary>Entry names of the four ML.NET models inside the model file, in this order.</summary>
    internal static readonly string[] ModelNames = ["related", "agree", "disagree", "discuss"];

    private readonly MLContext _ml;
    private readonly ITransformer[] _models;
    private readonly DataViewSchema _schema;
    private readonly (CompiledForest Forest, PlattCalibrator Calibrator)[] _compiled;

    internal FncStanceModel(MLContext ml, IdfVocabulary idf, ITransformer[] models, DataViewSchema schema, StanceModelInfo info)
    {
        _ml = ml;
        Idf = idf;
        _models = models;
        _schema = schema;
        Info = info;
        _compiled = models.Select(CompiledForest.FromBinary).ToArray();
    }

    public IdfVocabulary Idf { get; }

    public StanceModelInfo Info { get; }

    internal ProcessedText Process(string text) => new(text, Idf);

    public StancePrediction Predict(string headline, string body) => Predict(Process(headline), Process(body));

    internal StancePrediction Predict(ProcessedText headline, ProcessedText body)
    {
        var features = new float[StanceFeatures.Count];
        var best = StanceFeatures.Extract(headline, body, features);
        return Predict(features, best);
    }

    internal StancePrediction Predict(float[] features, int bestSentence)
    {
        var related = Probability(0, features);
        var probabilities = new float[4];
        probabilities[(int)FncStance.Unrelated] = 1 - related;
        if (related < Info.RelatedThreshold)
        {
            // Stage 2 is not needed for the decision; its share of the related mass is split evenly.
            for (var c = 0; c < 3; c++)
            {
                probabilities[c] = related / 3;
            }

            return new StancePrediction(FncStance.Unrelated, probabilities, bestSentence);
        }

        float sum = 0;
        for (var c = 0; c < 3; c++)
        {
            probabilities[c] = Probability(c + 1, features) * Info.ClassMultipliers[c];
            sum += probabilities[c];
        }

        var stance = FncStance.Agree;
        for (var c = 0; c < 3; c++)
        {
            probabilities[c] = sum > 0 ? related * probabilities[c] / sum : related / 3;
            if (probabilities[c] > probabilities[(int)stance])
            {
                stance = (FncStance)c;
            }
        }

        return new StancePrediction(stance, probabilities, bestSentence);
    }

    /// <summary>Calibrated probability of model <paramref name="model"/> (index into <see cref="ModelNames"/>).</summary>
    internal float Probability(int model, float[] features)
    {
        var (forest, calibrator) = _compiled[model];
        return calibrator.PredictProbability((float)forest.Score(features));
    }

    /// <summary>The same probability through ML.NET's prediction engine: the reference for <see cref="CompiledForest"/>.</summary>
    internal float ProbabilityByMlNet(int model, float[] features)
    {
        var engine = _ml.Model.CreatePredictionEngine<FeatureRow, BinaryOutput>(_models[model], inputSchemaDefinition: FeatureRow.Schema(StanceFeatures.Count));
        return engine.Predict(new FeatureRow { Features = features }).Probability;
    }

    public void Save(string path)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        using (var writer = new StreamWriter(ModelArchive.Entry(zip, "idf.tsv", CompressionLevel.SmallestSize)))
        {
            Idf.Write(writer);
        }

        for (var m = 0; m < ModelNames.Length; m++)
        {
            using var stream = ModelArchive.Entry(zip, ModelNames[m] + ".mlnet", CompressionLevel.NoCompression);
            ModelArchive.SaveTransformer(_ml, _models[m], _schema, stream);
        }

        using (var stream = ModelArchive.Entry(zip, "model.json", CompressionLevel.Optimal))
        {
            JsonSerializer.Serialize(stream, Info, new JsonSerializerOptions { WriteIndented = true });
        }
    }

    public static FncStanceModel Load(string path)
    {
        using var file = File.OpenRead(path);
        return Load(file);
    }

    /// <summary>The model embedded in this assembly at build time.</summary>
    public static FncStanceModel LoadEmbedded()
    {
        using var stream = typeof(FncStanceModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The stance model resource {ResourceName} is not embedded: train it with train-stance --out services/NarrativeMonitor.StanceModel/Model/stance-model.zip and rebuild.");
        return Load(stream);
    }

    /// <summary>SHA-256 of the embedded model file, which the domain stage records as the model it was trained on.</summary>
    public static string EmbeddedSha256()
    {
        using var stream = typeof(FncStanceModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The stance model resource {ResourceName} is not embedded.");
        return Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(stream));
    }

    public static FncStanceModel Load(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        var ml = new MLContext(seed: 0);
        IdfVocabulary idf;
        using (var reader = new StreamReader(ModelArchive.Entry(zip, "idf.tsv")))
        {
            idf = IdfVocabulary.Read(reader);
        }

        var info = JsonSerializer.Deserialize<StanceModelInfo>(ModelArchive.Entry(zip, "model.json")) ?? throw new InvalidDataException("model.json: empty");
        if (info.FeatureCount != StanceFeatures.Count)
        {
            throw new InvalidDataException($"model.json: the model has {info.FeatureCount} features, this code computes {StanceFeatures.Count}; retrain.");
        }

        DataViewSchema schema = null!;
        var models = ModelNames.Select(name => ml.Model.Load(ModelArchive.Copy(ModelArchive.Entry(zip, name + ".mlnet")), out schema)).ToArray();
        return new FncStanceModel(ml, idf, models, schema, info);
    }
}

public sealed record StanceModelInfo(
    int FeatureCount,
    int Seed,
    float RelatedThreshold,
    float[] ClassMultipliers,
    string BodiesSha256,
    string StancesSha256,
    int TrainingBodies,
    int TrainingPairs);
