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
    private TrainedStanceClassifier _classifier = null!;
    private List<(ArticleText Article, IPreparedClaims Claim)> _classifierPairs = null!;

    [GlobalSetup]
    public void Setup()
    {
        _model = FncStanceModel.LoadEmbedded();
        _pairs = BenchmarkData.Pairs();
        _processed = _pairs.Select(p => (_model.Process(p.Headline), _model.Process(p.Body))).ToList();
        _features = new float[StanceFeatures.Count];
        _classifier = new TrainedStanceClassifier();
        _classifierPairs = _pairs
            .Select((p, i) => (new ArticleText("", p.Body), _classifier.Prepare([new ClaimDefinition($"c{i}", p.Headline, "", [], [])])))
            .ToList();
    }

    /// <summary>
    /// The shipped classifier end to end for one claim: analyse the article, the candidate index, the FNC-1 model and
    /// the domain stage.
    /// </summary>
    [Benchmark(OperationsPerInvoke = BenchmarkData.Articles)]
    public int ClassifierPairIncludingArticleAnalysis()
    {
        var n = 0;
        foreach (var (article, claim) in _classifierPairs)
        {
            n += _classifier.Classify(article, claim).Count;
        }

        return n;
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

/// <summary>
/// Articles classified per second against 10 or 10,000 prepared claims. Both sizes hold the same 10 real claims (FNC-1
/// headlines related to the first articles); the other claims are filler (<see cref="ClaimFill"/>), so only the
/// distractors grow. The 10,000/10 ratio is printed after the results (see Program.cs).
/// </summary>
[ShortRunJob]
[MemoryDiagnoser]
public class ClaimScalingBenchmarks
{
    private TrainedStanceClassifier _classifier = null!;
    private List<ArticleText> _articles = null!;
    private IPreparedClaims _claims = null!;

    [Params(10, 10_000)]
    public int Claims { get; set; }

    [Params(ClaimFill.OtherStories, ClaimFill.RandomVocabulary, ClaimFill.SentencesOfAllStories)]
    public ClaimFill Fill { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _classifier = new TrainedStanceClassifier();
        _articles = ClaimSets.Articles();
        _claims = _classifier.Prepare(ClaimSets.Build(Fill, Claims));
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
}

/// <summary>Time to load the shipped model from the assembly (unzip, IDF, two ML.NET models, first prediction engines).</summary>
[SimpleJob(RunStrategy.Monitoring, launchCount: 1, warmupCount: 1, iterationCount: 5)]
public class ModelLoadBenchmarks
{
    [Benchmark]
    public FncStanceModel LoadEmbedded() => FncStanceModel.LoadEmbedded();
}
