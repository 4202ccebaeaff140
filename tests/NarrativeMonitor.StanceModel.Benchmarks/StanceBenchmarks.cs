using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Engines;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.StanceModel.Features;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel.Benchmarks;

/// <summary>Single-threaded (claim, article) pairs per second over ~3,000-character articles.</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class PairBenchmarks
{
    private FncStanceModel _model = null!;
    private List<(string Headline, string Body)> _pairs = null!;
    private List<(ProcessedText Headline, ProcessedText Body)> _processed = null!;
    private float[] _features = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = FncStanceModel.LoadEmbedded();
        _pairs = BenchmarkData.Pairs();
        _processed = _pairs.Select(p => (_model.Process(p.Headline), _model.Process(p.Body))).ToList();
        _features = new float[StanceFeatures.Count];
    }

    /// <summary>Everything per pair: analyse the article and the claim, extract features, run both stages.</summary>
    [Benchmark(OperationsPerInvoke = BenchmarkData.Articles)]
    public int PairIncludingArticleAnalysis()
    {
        var n = 0;
        foreach (var (headline, body) in _pairs)
        {
            n += (int)_model.Predict(headline, body).Stance;
        }

        return n;
    }

    /// <summary>Each further claim compared with an already analysed article (Classify analyses an article once).</summary>
    [Benchmark(OperationsPerInvoke = BenchmarkData.Articles)]
    public int PairWithAnalysedArticle()
    {
        var n = 0;
        foreach (var (headline, body) in _processed)
        {
            var best = StanceFeatures.Extract(headline, body, _features);
            n += (int)_model.Predict(_features, best).Stance;
        }

        return n;
    }
}

public enum ClaimFill
{
    /// <summary>Filler claims of random words from the FNC-1 vocabulary: few share a story with any article.</summary>
    RandomVocabulary,

    /// <summary>Filler claims are sentences of FNC-1 training bodies: many are about the same stories as the articles.</summary>
    NewsSentences,
}

/// <summary>Articles classified per second against 10 or 10,000 prepared claims (10 of them real FNC-1 headlines).</summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ClaimScalingBenchmarks
{
    private TrainedStanceClassifier _classifier = null!;
    private List<ArticleText> _articles = null!;
    private IPreparedClaims _claims = null!;

    [Params(10, 10_000)]
    public int Claims { get; set; }

    [Params(ClaimFill.RandomVocabulary, ClaimFill.NewsSentences)]
    public ClaimFill Fill { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _classifier = new TrainedStanceClassifier();
        var pairs = BenchmarkData.Pairs();
        _articles = pairs.Select(p => new ArticleText("", p.Body)).ToList();
        var claims = pairs.Select(p => p.Headline).Distinct().Take(10)
            .Select((h, i) => new ClaimDefinition($"real-{i}", h, "", [], [])).ToList();
        var filler = Fill == ClaimFill.RandomVocabulary ? RandomClaims() : SentenceClaims();
        claims.AddRange(filler.Take(Claims - claims.Count));
        _claims = _classifier.Prepare(claims);
    }

    [Benchmark(OperationsPerInvoke = BenchmarkData.Articles)]
    public int ClassifyArticle()
    {
        var n = 0;
        foreach (var article in _articles)
        {
            n += _classifier.Classify(article, _claims).Count;
        }

        return n;
    }

    private static IEnumerable<ClaimDefinition> RandomClaims()
    {
        var words = BenchmarkData.Training.Bodies.OrderBy(b => b.Key)
            .SelectMany(b => b.Value.Split((char[])[' ', '\n', ',', '.', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries))
            .Select(w => w.ToLowerInvariant()).Where(w => w.Length > 3 && w.All(char.IsLetter)).Distinct().Order(StringComparer.Ordinal).ToArray();
        var random = new Random(11);
        string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => words[random.Next(words.Length)]));
        for (var i = 0; ; i++)
        {
            yield return new ClaimDefinition($"random-{i}", Words(10), Words(3), [Words(1)], [Words(1), Words(1)]);
        }
    }

    private static IEnumerable<ClaimDefinition> SentenceClaims()
    {
        var sentences = BenchmarkData.Training.Bodies.OrderBy(b => b.Key)
            .SelectMany(b => b.Value.Split((string[])[". ", "\n"], StringSplitOptions.RemoveEmptyEntries))
            .Select(s => s.Trim()).Where(s => s.Split(' ').Length is >= 8 and <= 25).Distinct().ToArray();
        new Random(11).Shuffle(sentences);
        return sentences.Select((s, i) => new ClaimDefinition($"sentence-{i}", s, "", [], []));
    }
}

/// <summary>Time to load the shipped model from the assembly (unzip, IDF, two ML.NET models, first prediction engines).</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ModelLoadBenchmarks
{
    [Benchmark]
    public FncStanceModel LoadEmbedded() => FncStanceModel.LoadEmbedded();
}
