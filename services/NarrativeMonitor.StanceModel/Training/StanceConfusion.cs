using System.Globalization;
using System.Text;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.StanceModel.Training;

/// <summary>Labelled against classified stances of (article, claim) pairs: per-stance accuracy, F1, macro-F1.</summary>
public sealed class StanceConfusion
{
    public static readonly Stance[] Stances = [Stance.Acknowledges, Stance.Denies, Stance.Deflects, Stance.Discusses, Stance.Omits, Stance.Unrelated];

    private readonly int[,] _counts = new int[Stances.Length, Stances.Length];
    private readonly List<string> _disagreements = [];

    public IReadOnlyList<string> Disagreements => _disagreements;

    public int Total { get; private set; }

    public int Correct { get; private set; }

    public double Accuracy => Total == 0 ? 0 : (double)Correct / Total;

    /// <summary>How many pairs labelled <paramref name="labelled"/> were classified <paramref name="classified"/>.</summary>
    public int Count(Stance labelled, Stance classified) => _counts[Index(labelled), Index(classified)];

    public (int Correct, int Total) PerStance(Stance labelled)
    {
        var row = Index(labelled);
        var total = 0;
        for (var c = 0; c < Stances.Length; c++)
        {
            total += _counts[row, c];
        }

        return (_counts[row, row], total);
    }

    /// <summary>F1 of one stance; 0 when it was neither labelled nor classified.</summary>
    public double F1(Stance stance)
    {
        var i = Index(stance);
        int truePositives = _counts[i, i], labelled = 0, classified = 0;
        for (var c = 0; c < Stances.Length; c++)
        {
            labelled += _counts[i, c];
            classified += _counts[c, i];
        }

        return labelled + classified == 0 ? 0 : 2.0 * truePositives / (labelled + classified);
    }

    /// <summary>Mean F1 over the stances that occur among the labels.</summary>
    public double MacroF1
    {
        get
        {
            var present = Stances.Where(s => PerStance(s).Total > 0).ToList();
            return present.Count == 0 ? 0 : present.Average(F1);
        }
    }

    public void Record(string pair, Stance labelled, Stance classified)
    {
        _counts[Index(labelled), Index(classified)]++;
        Total++;
        if (labelled == classified)
        {
            Correct++;
        }
        else
        {
            _disagreements.Add($"{pair}: labelled {labelled}, classified {classified}");
        }
    }

    public void Add(StanceConfusion other)
    {
        for (var r = 0; r < Stances.Length; r++)
        {
            for (var c = 0; c < Stances.Length; c++)
            {
                _counts[r, c] += other._counts[r, c];
            }
        }

        Total += other.Total;
        Correct += other.Correct;
        _disagreements.AddRange(other._disagreements);
    }

    /// <summary>Classifies every labelled pair of <paramref name="corpus"/>; a claim left out of the answer is unrelated.</summary>
    public static StanceConfusion Of(IStanceClassifier classifier, StanceCorpus corpus)
    {
        var confusion = new StanceConfusion();
        var claims = classifier.Prepare(corpus.Claims);
        var labels = corpus.Labels.ToLookup(l => l.ArticleId, StringComparer.Ordinal);
        foreach (var (id, article) in corpus.Articles)
        {
            if (!labels[id].Any())
            {
                continue;
            }

            var results = classifier.Classify(article, claims);
            foreach (var label in labels[id])
            {
                var classified = results.FirstOrDefault(r => r.ClaimId == label.ClaimId)?.Stance ?? Stance.Unrelated;
                confusion.Record($"{id} / {label.ClaimId}", label.Stance, classified);
            }
        }

        return confusion;
    }

    /// <summary>Per-stance accuracy and F1, then the confusion matrix (rows labelled, columns classified).</summary>
    public string Report()
    {
        var text = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        text.AppendLine(inv, $"{"STANCE",-14}{"CORRECT",8}{"TOTAL",8}{"ACCURACY",10}{"F1",8}");
        foreach (var stance in Stances)
        {
            var (correct, total) = PerStance(stance);
            if (total > 0)
            {
                text.AppendLine(inv, $"{Name(stance),-14}{correct,8}{total,8}{(double)correct / total,10:P0}{F1(stance),8:F3}");
            }
        }

        text.AppendLine(inv, $"{"all",-14}{Correct,8}{Total,8}{Accuracy,10:P0}{MacroF1,8:F3}  (F1 column: macro-F1)");
        text.Append(inv, $"{"labelled \\ classified",-22}");
        foreach (var stance in Stances)
        {
            text.Append(inv, $"{Name(stance)[..5],7}");
        }

        text.AppendLine();
        foreach (var labelled in Stances)
        {
            text.Append(inv, $"{Name(labelled),-22}");
            foreach (var classified in Stances)
            {
                text.Append(inv, $"{Count(labelled, classified),7}");
            }

            text.AppendLine();
        }

        return text.ToString();
    }

    private static string Name(Stance stance) => stance.ToString().ToLowerInvariant();

    private static int Index(Stance stance)
    {
        var i = Array.IndexOf(Stances, stance);
        return i >= 0 ? i : throw new ArgumentOutOfRangeException(nameof(stance), stance, "not one of the six stances");
    }
}
