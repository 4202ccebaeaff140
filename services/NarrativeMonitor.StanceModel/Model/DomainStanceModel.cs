using System.IO.Compression;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Calibrators;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.StanceModel.Features;

namespace NarrativeMonitor.StanceModel.Model;

/// <summary>
/// The domain stage: maps an FNC-1 prediction plus <see cref="DomainFeatures"/> to one of our six stances. One
/// calibrated LightGBM binary model per stance (that stance versus the rest), trained on the hand-labelled domain
/// corpora; the answer is the stance with the highest normalized probability. Immutable and thread-safe.
/// </summary>
public sealed class DomainStanceModel
{
    public const string ResourceName = "NarrativeMonitor.StanceModel.domain-stage.zip";

    /// <summary>The stances in the order of the binary models.</summary>
    public static readonly Stance[] Classes = [Stance.Acknowledges, Stance.Denies, Stance.Deflects, Stance.Discusses, Stance.Omits, Stance.Unrelated];

    private readonly MLContext _ml;
    private readonly ITransformer[] _models;
    private readonly DataViewSchema _schema;
    private readonly (CompiledForest Forest, PlattCalibrator Calibrator)[] _compiled;

    internal DomainStanceModel(MLContext ml, ITransformer[] models, DataViewSchema schema, DomainModelInfo info)
    {
        _ml = ml;
        _models = models;
        _schema = schema;
        Info = info;
        _compiled = models.Select(CompiledForest.FromBinary).ToArray();
    }

    public DomainModelInfo Info { get; }

    /// <summary>The stance and the six normalized probabilities, in <see cref="Classes"/> order.</summary>
    internal (Stance Stance, float[] Probabilities) Predict(ReadOnlySpan<float> features)
    {
        var probabilities = new float[Classes.Length];
        float sum = 0;
        var best = 0;
        for (var c = 0; c < Classes.Length; c++)
        {
            var (forest, calibrator) = _compiled[c];
            probabilities[c] = calibrator.PredictProbability((float)forest.Score(features)) * Info.ClassMultipliers[c];
            sum += probabilities[c];
            if (probabilities[c] > probabilities[best])
            {
                best = c;
            }
        }

        for (var c = 0; c < Classes.Length; c++)
        {
            probabilities[c] = sum > 0 ? probabilities[c] / sum : 1f / Classes.Length;
        }

        return (Classes[best], probabilities);
    }

    public void Save(string path)
    {
        using var file = File.Create(path);
        using var zip = new ZipArchive(file, ZipArchiveMode.Create);
        for (var c = 0; c < Classes.Length; c++)
        {
            using var stream = ModelArchive.Entry(zip, EntryName(c), CompressionLevel.NoCompression);
            ModelArchive.SaveTransformer(_ml, _models[c], _schema, stream);
        }

        using var info = ModelArchive.Entry(zip, "model.json", CompressionLevel.Optimal);
        JsonSerializer.Serialize(info, Info, new JsonSerializerOptions { WriteIndented = true });
    }

    public static DomainStanceModel Load(string path)
    {
        using var file = File.OpenRead(path);
        return Load(file);
    }

    /// <summary>The domain stage embedded in this assembly at build time.</summary>
    public static DomainStanceModel LoadEmbedded()
    {
        using var stream = typeof(DomainStanceModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The domain stage resource {ResourceName} is not embedded: train it with train-domain --out services/NarrativeMonitor.StanceModel/Model/domain-stage.zip and rebuild.");
        return Load(stream);
    }

    public static DomainStanceModel Load(Stream stream)
    {
        using var zip = new ZipArchive(stream, ZipArchiveMode.Read);
        var ml = new MLContext(seed: 0);
        var info = JsonSerializer.Deserialize<DomainModelInfo>(ModelArchive.Entry(zip, "model.json")) ?? throw new InvalidDataException("model.json: empty");
        if (info.FeatureCount != DomainFeatures.Count)
        {
            throw new InvalidDataException($"domain stage model.json: the model has {info.FeatureCount} features, this code computes {DomainFeatures.Count}; retrain with train-domain.");
        }

        DataViewSchema schema = null!;
        var models = Enumerable.Range(0, Classes.Length)
            .Select(c => ml.Model.Load(ModelArchive.Copy(ModelArchive.Entry(zip, EntryName(c))), out schema))
            .ToArray();
        return new DomainStanceModel(ml, models, schema, info);
    }

    private static string EntryName(int c) => Classes[c].ToString().ToLowerInvariant() + ".mlnet";
}

/// <param name="Corpora">Names of the training corpora, each with the SHA-256 of its labels and articles.</param>
/// <param name="ClassMultipliers">Per-stance factors on the probabilities before the argmax, in <see cref="DomainStanceModel.Classes"/> order.</param>
public sealed record DomainModelInfo(
    int FeatureCount,
    int Seed,
    string FncModelSha256,
    IReadOnlyList<string> Corpora,
    int TrainingPairs,
    float[] ClassMultipliers);
