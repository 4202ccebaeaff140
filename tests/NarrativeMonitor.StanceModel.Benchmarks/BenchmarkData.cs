using NarrativeMonitor.StanceModel.Fnc;

namespace NarrativeMonitor.StanceModel.Benchmarks;

/// <summary>Articles of about 3,000 characters from the by-body validation split (seed 1) and their related headlines.</summary>
internal static class BenchmarkData
{
    public const int Articles = 50;

    private static readonly Lazy<(FncDataset Train, FncDataset Validation)> Split = new(() =>
    {
        var dir = FncDirectory();
        return FncDataset.Load(Path.Combine(dir, "train_bodies.csv"), Path.Combine(dir, "train_stances.csv")).SplitByBody(0.2, 1);
    });

    public static FncDataset Training => Split.Value.Train;

    /// <summary>(related headline, body) of validation bodies between 2,500 and 3,500 characters.</summary>
    public static List<(string Headline, string Body)> Pairs()
    {
        var validation = Split.Value.Validation;
        return validation.Bodies.Where(b => b.Value.Length is >= 2500 and <= 3500).OrderBy(b => b.Key)
            .Select(b => (validation.Pairs.FirstOrDefault(p => p.BodyId == b.Key && p.Stance != FncStance.Unrelated)?.Headline, b.Value))
            .Where(x => x.Headline is not null).Take(Articles).Select(x => (x.Headline!, x.Value)).ToList();
    }

    public static string FncDirectory()
    {
        var dir = Environment.GetEnvironmentVariable("NM_FNC1_DIR");
        if (string.IsNullOrWhiteSpace(dir))
        {
            var root = new DirectoryInfo(AppContext.BaseDirectory);
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "NarrativeMonitor.sln")))
            {
                root = root.Parent;
            }

            dir = root is null ? "" : Path.GetFullPath(Path.Combine(root.FullName, "..", "shared", "data", "fnc-1"));
        }

        if (!File.Exists(Path.Combine(dir, "train_bodies.csv")) || !File.Exists(Path.Combine(dir, "train_stances.csv")))
        {
            throw new InvalidOperationException($"FNC-1 data not found in '{dir}': set NM_FNC1_DIR to the folder holding train_bodies.csv and train_stances.csv.");
        }

        return dir;
    }
}
