using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.Testing;

namespace NarrativeMonitor.StanceModel.Tests;

/// <summary>The FNC-1 training CSVs: from env NM_FNC1_DIR, else ../shared/data/fnc-1 relative to the repository root.</summary>
public static class FncData
{
    private static readonly Lazy<FncDataset> Full = new(() =>
    {
        var dir = Directory();
        return FncDataset.Load(Path.Combine(dir, "train_bodies.csv"), Path.Combine(dir, "train_stances.csv"));
    });

    public static FncDataset Load() => Full.Value;

    public static string Directory()
    {
        var dir = Environment.GetEnvironmentVariable("NM_FNC1_DIR");
        if (string.IsNullOrWhiteSpace(dir))
        {
            dir = Path.GetFullPath(Path.Combine(RepositoryPaths.Root, "..", "shared", "data", "fnc-1"));
        }

        foreach (var file in new[] { "train_bodies.csv", "train_stances.csv" })
        {
            if (!File.Exists(Path.Combine(dir, file)))
            {
                throw new InvalidOperationException(
                    $"FNC-1 data: {Path.Combine(dir, file)} is missing. Set NM_FNC1_DIR to the folder holding train_bodies.csv and train_stances.csv.");
            }
        }

        return dir;
    }
}
