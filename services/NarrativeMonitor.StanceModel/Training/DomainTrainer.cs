using Microsoft.ML;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.StanceModel.Features;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel.Training;

/// <summary>A hand-labelled corpus: claims, articles and a stance for each labelled (article, claim) pair.</summary>
/// <param name="Sha256">Of the files it was read from, so a model names exactly what it was trained on.</param>
public sealed record StanceCorpus(string Name, IReadOnlyList<ClaimDefinition> Claims, IReadOnlyList<(string Id, ArticleText Text)> Articles,
    IReadOnlyList<StanceLabel> Labels, string Sha256);

public sealed record StanceLabel(string ArticleId, string ClaimId, Stance Stance);

public sealed record DomainTrainingOptions
{
    public int Seed { get; init; } = 1;

    public int Iterations { get; init; } = 100;

    public int Leaves { get; init; } = 16;

    public int MinimumExamplesPerLeaf { get; init; } = 20;

    public double LearningRate { get; init; } = 0.05;

    public string FncModelSha256 { get; init; } = "";
}

/// <summary>
/// Trains the domain stage on hand-labelled corpora. Training rows are the labelled pairs the candidate index hands to
/// the models (the article shares the claim's or its topic's terms); a pair it does not hand over is unrelated without
/// them and is not a row. Deterministic for a given seed.
/// </summary>
public static class DomainTrainer
{
    public static DomainStanceModel Train(IReadOnlyList<StanceCorpus> corpora, FncStanceModel fnc, DomainTrainingOptions options, TextWriter? log = null)
    {
        var rows = corpora.SelectMany(c => Rows(c, fnc)).ToList();
        var counts = DomainStanceModel.Classes.Select(s => rows.Count(r => r.Stance == s)).ToArray();
        log?.WriteLine($"domain stage: {rows.Count} pairs reach the models ({string.Join(", ", DomainStanceModel.Classes.Select((s, i) => $"{s.ToString().ToLowerInvariant()} {counts[i]}"))})");

        var ml = new MLContext(seed: options.Seed);
        var schema = FeatureRow.Schema(DomainFeatures.Count);
        var models = new ITransformer[DomainStanceModel.Classes.Length];
        IDataView? data = null;
        for (var c = 0; c < models.Length; c++)
        {
            var stance = DomainStanceModel.Classes[c];

            // Each class's positives weigh as much as its negatives, so rare stances (deflects) are not drowned.
            var positives = Math.Max(1, counts[c]);
            var negatives = Math.Max(1, rows.Count - counts[c]);
            data = ml.Data.LoadFromEnumerable(rows.Select(r => new FeatureRow
            {
                Label = r.Stance == stance,
                Weight = r.Stance == stance ? (float)rows.Count / (2 * positives) : (float)rows.Count / (2 * negatives),
                Features = r.Features,
            }).ToList(), schema);
            models[c] = StanceTrainer.TrainWeightedBinary(ml, data, options.Iterations, options.Leaves, options.MinimumExamplesPerLeaf, options.LearningRate, options.Seed);
        }

        var info = new DomainModelInfo(DomainFeatures.Count, options.Seed, options.FncModelSha256,
            corpora.Select(c => $"{c.Name} sha256={c.Sha256}").ToList(), rows.Count, DomainStanceModel.Classes.Select(_ => 1f).ToArray());
        return new DomainStanceModel(ml, models, data!.Schema, info);
    }

    /// <summary>
    /// Leave one corpus out: for each corpus, a domain stage trained on all the others classifies it. Every labelled
    /// pair is counted, those the index never hands to the models included.
    /// </summary>
    public static StanceConfusion CrossValidate(IReadOnlyList<StanceCorpus> corpora, FncStanceModel fnc, DomainTrainingOptions options,
        Action<StanceCorpus, StanceConfusion>? perCorpus = null)
    {
        var total = new StanceConfusion();
        foreach (var held in corpora)
        {
            var model = Train(corpora.Where(c => c != held).ToList(), fnc, options);
            var confusion = StanceConfusion.Of(new TrainedStanceClassifier(fnc, model), held);
            perCorpus?.Invoke(held, confusion);
            total.Add(confusion);
        }

        return total;
    }

    internal sealed record Row(Stance Stance, float[] Features);

    internal static IEnumerable<Row> Rows(StanceCorpus corpus, FncStanceModel fnc)
    {
        var classifier = new TrainedStanceClassifier(fnc, null);
        var prepared = (TrainedStanceClassifier.PreparedClaims)classifier.Prepare(corpus.Claims);
        var claimIndex = corpus.Claims.Select((c, i) => (c.Id, i)).ToDictionary(x => x.Id, x => x.i, StringComparer.Ordinal);
        var labels = corpus.Labels.ToLookup(l => l.ArticleId, StringComparer.Ordinal);
        foreach (var (id, article) in corpus.Articles)
        {
            var body = fnc.Process(TrainedStanceClassifier.ArticleDocument(article));
            var candidates = prepared.Candidates(body).ToDictionary(c => c.Claim);
            ArticleCues? cues = null;
            foreach (var label in labels[id])
            {
                if (!claimIndex.TryGetValue(label.ClaimId, out var c) || !candidates.TryGetValue(c, out var candidate))
                {
                    continue;
                }

                var claim = prepared.Entries[c];
                var mentioned = claim.IsMentionedIn(body);
                if (candidate.IsAnotherStory(mentioned))
                {
                    continue;
                }

                var domainFeatures = new float[DomainFeatures.Count];
                TrainedStanceClassifier.DomainInput(fnc, claim, candidate, mentioned, body, article.Source, new float[StanceFeatures.Count], domainFeatures, ref cues);
                yield return new Row(label.Stance, domainFeatures);
            }
        }
    }
}
