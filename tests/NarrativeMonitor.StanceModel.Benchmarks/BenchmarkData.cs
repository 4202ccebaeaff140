using NarrativeMonitor.StanceModel.Fnc;

namespace NarrativeMonitor.StanceModel.Benchmarks;

/// <summary>Articles of about 3,000 characters from the by-body validation split (seed 1) and their related headlines.</summary>
internal static class BenchmarkData
{
    public const int Articles = 50;

    private static readonly Lazy<FncDataset> FullSet = new(() =>
    {
        var dir = FncDirectory();
        return FncDataset.Load(Path.Combine(dir, "train_bodies.csv"), Path.Combine(dir, "train_stances.csv"));
    });

    private static readonly Lazy<(FncDataset Train, FncDataset Validation)> Split = new(() => FullSet.Value.SplitByBody(0.2, 1));

    private static readonly Lazy<List<Article>> Selected = new(() =>
    {
        var validation = Split.Value.Validation;
        return validation.Bodies.Where(b => b.Value.Length is >= 2500 and <= 3500).OrderBy(b => b.Key)
            .Select(b => new Article(b.Key, b.Value, validation.Pairs.FirstOrDefault(p => p.BodyId == b.Key && p.Stance != FncStance.Unrelated)?.Headline!))
            .Where(a => a.Headline is not null).Take(Articles).ToList();
    });

    private static readonly Lazy<List<FncStory>> AllStories = new(() => FncStory.Of(FullSet.Value));

    /// <summary>All of the FNC-1 training files (both sides of the split).</summary>
    public static FncDataset Full => FullSet.Value;

    public static FncDataset Training => Split.Value.Train;

    /// <summary>The stories of the whole FNC-1 training file (see <see cref="FncStory"/>).</summary>
    public static List<FncStory> Stories => AllStories.Value;

    /// <summary>The benchmark articles: validation bodies between 2,500 and 3,500 characters with a related headline.</summary>
    public static List<Article> BenchmarkArticles => Selected.Value;

    /// <summary>(related headline, body) of validation bodies between 2,500 and 3,500 characters.</summary>
    public static List<(string Headline, string Body)> Pairs() => Selected.Value.Select(a => (a.Headline, a.Body)).ToList();

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

/// <param name="Headline">The first related (agree/disagree/discuss) headline of the body.</param>
internal sealed record Article(int BodyId, string Body, string Headline);

/// <summary>
/// An FNC-1 story: the headlines and bodies connected by related (agree/disagree/discuss) pairs, closed transitively
/// (a body related to a headline of the story is in the story, and so is every headline related to that body).
/// FNC-1 pairs each body with many unrelated headlines; those do not join stories.
/// </summary>
internal sealed record FncStory(int Id, IReadOnlyList<string> Headlines, IReadOnlyList<int> BodyIds)
{
    public static List<FncStory> Of(FncDataset data)
    {
        var parent = new Dictionary<string, string>();
        string Find(string x)
        {
            while (parent.TryGetValue(x, out var p) && p != x)
            {
                x = parent[x] = parent.GetValueOrDefault(p, p);
            }

            parent.TryAdd(x, x);
            return x;
        }

        foreach (var pair in data.Pairs.Where(p => p.Stance != FncStance.Unrelated))
        {
            var a = Find("h:" + pair.Headline);
            var b = Find("b:" + pair.BodyId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (a != b)
            {
                parent[a] = b;
            }
        }

        return parent.Keys.ToList().GroupBy(Find)
            .Select(g => (Headlines: g.Where(k => k.StartsWith("h:", StringComparison.Ordinal)).Select(k => k[2..]).Order(StringComparer.Ordinal).ToArray(),
                Bodies: g.Where(k => k.StartsWith("b:", StringComparison.Ordinal)).Select(k => int.Parse(k[2..], System.Globalization.CultureInfo.InvariantCulture)).Order().ToArray()))
            .OrderBy(s => s.Bodies.Length > 0 ? s.Bodies[0] : int.MaxValue).ThenBy(s => s.Headlines[0], StringComparer.Ordinal)
            .Select((s, i) => new FncStory(i, s.Headlines, s.Bodies)).ToList();
    }
}
