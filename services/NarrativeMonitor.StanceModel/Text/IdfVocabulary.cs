using System.Globalization;

namespace NarrativeMonitor.StanceModel.Text;

/// <summary>Inverse document frequencies of stemmed terms (keyed by stem hash), fitted on training texts only.</summary>
public sealed class IdfVocabulary
{
    private readonly Dictionary<ulong, float> _idf;

    private IdfVocabulary(Dictionary<ulong, float> idf, int documentCount)
    {
        _idf = idf;
        DocumentCount = documentCount;
        UnknownIdf = (float)(Math.Log((documentCount + 1.0) / 1.0) + 1.0);
    }

    public int DocumentCount { get; }

    public int Count => _idf.Count;

    /// <summary>IDF of terms never (or only once) seen in training: the rarest.</summary>
    public float UnknownIdf { get; }

    public float this[ulong term] => _idf.TryGetValue(term, out var v) ? v : UnknownIdf;

    public static IdfVocabulary Fit(IEnumerable<string> documents, int minDocumentFrequency = 2)
    {
        var df = new Dictionary<ulong, int>();
        var tokens = new List<RawToken>();
        var seen = new HashSet<ulong>();
        var n = 0;
        foreach (var doc in documents)
        {
            n++;
            tokens.Clear();
            seen.Clear();
            Tokenizer.Tokenize(doc, tokens);
            foreach (var t in tokens)
            {
                if (seen.Add(t.Hash))
                {
                    df[t.Hash] = df.GetValueOrDefault(t.Hash) + 1;
                }
            }
        }

        var idf = df.Where(kv => kv.Value >= minDocumentFrequency)
            .ToDictionary(kv => kv.Key, kv => (float)(Math.Log((n + 1.0) / (kv.Value + 1.0)) + 1.0));
        return new IdfVocabulary(idf, n);
    }

    public void Write(TextWriter writer)
    {
        writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"documents\t{DocumentCount}"));
        foreach (var (term, idf) in _idf.OrderBy(kv => kv.Key))
        {
            writer.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{term:x16}\t{idf:R}"));
        }
    }

    public static IdfVocabulary Read(TextReader reader)
    {
        var header = reader.ReadLine()?.Split('\t') ?? throw new InvalidDataException("IDF vocabulary: empty");
        var documents = int.Parse(header[1], CultureInfo.InvariantCulture);
        var idf = new Dictionary<ulong, float>();
        while (reader.ReadLine() is { } line)
        {
            var tab = line.IndexOf('\t');
            idf[ulong.Parse(line.AsSpan(0, tab), NumberStyles.HexNumber, CultureInfo.InvariantCulture)] =
                float.Parse(line.AsSpan(tab + 1), CultureInfo.InvariantCulture);
        }

        return new IdfVocabulary(idf, documents);
    }
}
