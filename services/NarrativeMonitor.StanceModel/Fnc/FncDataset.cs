using System.Security.Cryptography;

namespace NarrativeMonitor.StanceModel.Fnc;

public enum FncStance
{
    Agree = 0,
    Disagree = 1,
    Discuss = 2,
    Unrelated = 3,
}

public sealed record FncPair(string Headline, int BodyId, FncStance Stance);

/// <summary>An FNC-1 format data set: bodies (Body ID, articleBody) and stances (Headline, Body ID, Stance).</summary>
public sealed class FncDataset
{
    public FncDataset(IReadOnlyDictionary<int, string> bodies, IReadOnlyList<FncPair> pairs)
    {
        Bodies = bodies;
        Pairs = pairs;
    }

    public IReadOnlyDictionary<int, string> Bodies { get; }

    public IReadOnlyList<FncPair> Pairs { get; }

    public static string[] StanceNames { get; } = ["agree", "disagree", "discuss", "unrelated"];

    public static FncStance ParseStance(string name) => name.Trim().ToLowerInvariant() switch
    {
        "agree" => FncStance.Agree,
        "disagree" => FncStance.Disagree,
        "discuss" => FncStance.Discuss,
        "unrelated" => FncStance.Unrelated,
        _ => throw new InvalidDataException($"Stance: unknown value '{name}'"),
    };

    public static string Name(FncStance stance) => StanceNames[(int)stance];

    public static FncDataset Load(string bodiesPath, string stancesPath)
    {
        var bodies = new Dictionary<int, string>();
        using (var reader = new StreamReader(bodiesPath))
        {
            var header = true;
            foreach (var row in Csv.Read(reader))
            {
                if (header)
                {
                    RequireHeader(row, bodiesPath, "Body ID", "articleBody");
                    header = false;
                    continue;
                }

                if (row.Length == 1 && row[0].Length == 0)
                {
                    continue;
                }

                bodies[int.Parse(row[0], System.Globalization.CultureInfo.InvariantCulture)] = row[1];
            }
        }

        var pairs = new List<FncPair>();
        using (var reader = new StreamReader(stancesPath))
        {
            var header = true;
            foreach (var row in Csv.Read(reader))
            {
                if (header)
                {
                    RequireHeader(row, stancesPath, "Headline", "Body ID", "Stance");
                    header = false;
                    continue;
                }

                if (row.Length == 1 && row[0].Length == 0)
                {
                    continue;
                }

                var bodyId = int.Parse(row[1], System.Globalization.CultureInfo.InvariantCulture);
                if (!bodies.ContainsKey(bodyId))
                {
                    throw new InvalidDataException($"{stancesPath}: Body ID {bodyId} is not in {bodiesPath}");
                }

                pairs.Add(new FncPair(row[0], bodyId, ParseStance(row[2])));
            }
        }

        return new FncDataset(bodies, pairs);
    }

    /// <summary>Splits by body: a fixed-seed random <paramref name="fraction"/> of the bodies (and all their pairs) is held out.</summary>
    public (FncDataset Train, FncDataset Validation) SplitByBody(double fraction, int seed)
    {
        var ids = Bodies.Keys.Order().ToArray();
        new Random(seed).Shuffle(ids);
        var heldOut = ids.Take((int)Math.Round(ids.Length * fraction)).ToHashSet();
        return (Subset(id => !heldOut.Contains(id)), Subset(heldOut.Contains));
    }

    public FncDataset Subset(Func<int, bool> keepBody) => new(
        Bodies.Where(b => keepBody(b.Key)).ToDictionary(b => b.Key, b => b.Value),
        Pairs.Where(p => keepBody(p.BodyId)).ToList());

    public void Write(string bodiesPath, string stancesPath)
    {
        using (var writer = new StreamWriter(bodiesPath))
        {
            Csv.Write(writer, new[] { new[] { "Body ID", "articleBody" } }.Concat(
                Bodies.OrderBy(b => b.Key).Select(b => new[] { b.Key.ToString(System.Globalization.CultureInfo.InvariantCulture), b.Value })));
        }

        using (var writer = new StreamWriter(stancesPath))
        {
            Csv.Write(writer, new[] { new[] { "Headline", "Body ID", "Stance" } }.Concat(
                Pairs.Select(p => new[] { p.Headline, p.BodyId.ToString(System.Globalization.CultureInfo.InvariantCulture), Name(p.Stance) })));
        }
    }

    public static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    private static void RequireHeader(string[] row, string path, params string[] expected)
    {
        if (row.Length < expected.Length || !expected.Select((e, i) => row[i].Trim('\uFEFF', ' ') == e).All(x => x))
        {
            throw new InvalidDataException($"{path}: expected header {string.Join(",", expected)}, got {string.Join(",", row)}");
        }
    }
}
