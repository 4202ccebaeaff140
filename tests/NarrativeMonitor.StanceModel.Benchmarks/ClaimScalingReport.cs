using System.Diagnostics;
using System.Globalization;
using BenchmarkDotNet.Reports;

namespace NarrativeMonitor.StanceModel.Benchmarks;

/// <summary>The 10,000-claim / 10-claim throughput ratio of <see cref="ClaimScalingBenchmarks"/>, per fill.</summary>
internal static class ClaimScalingReport
{
    private const double Required = 0.5;

    /// <summary>After BenchmarkDotNet's tables: one line per fill with articles/s at 10 and 10,000 claims and their ratio.</summary>
    public static void Print(IEnumerable<Summary> summaries)
    {
        var rows = summaries.SelectMany(s => s.Reports)
            .Where(r => r.BenchmarkCase.Descriptor.Type == typeof(ClaimScalingBenchmarks) && r.ResultStatistics is not null)
            .Select(r => (Fill: (ClaimFill)r.BenchmarkCase.Parameters["Fill"], Claims: (int)r.BenchmarkCase.Parameters["Claims"],
                ArticlesPerSecond: 1e9 / r.ResultStatistics!.Mean))
            .ToList();
        foreach (var fill in rows.Select(r => r.Fill).Distinct().Order())
        {
            var small = rows.Where(r => r.Fill == fill && r.Claims == 10).Select(r => r.ArticlesPerSecond).FirstOrDefault();
            var large = rows.Where(r => r.Fill == fill && r.Claims == 10_000).Select(r => r.ArticlesPerSecond).FirstOrDefault();
            if (small > 0 && large > 0)
            {
                Console.WriteLine(Line(fill, small, large));
            }
        }
    }

    /// <summary>
    /// `claim-scaling [fill ...] [--seconds s] [--rounds r] [--show n]`: a Stopwatch measurement of the same claim sets in
    /// this process (quicker and rougher than BenchmarkDotNet: r rounds of s seconds per size, the best kept), with how many
    /// claims the index makes candidates per article; --show prints every n-th claim of each 10,000 set instead.
    /// </summary>
    public static int Quick(string[] args)
    {
        var seconds = 2.0;
        var rounds = 3;
        var show = 0;
        var fills = new List<ClaimFill>();
        for (var i = 0; i < args.Length; i++)
        {
            if (args[i] == "--seconds")
            {
                seconds = double.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--rounds")
            {
                rounds = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else if (args[i] == "--show")
            {
                show = int.Parse(args[++i], CultureInfo.InvariantCulture);
            }
            else
            {
                fills.Add(Enum.Parse<ClaimFill>(args[i], ignoreCase: true));
            }
        }

        if (fills.Count == 0)
        {
            fills.AddRange(Enum.GetValues<ClaimFill>());
        }

        if (show > 0)
        {
            foreach (var fill in fills)
            {
                foreach (var c in ClaimSets.Build(fill, 10_000).Where((_, i) => i < ClaimSets.RealClaims || i % show == 0))
                {
                    Console.WriteLine($"{c.Id} | {c.Statement} | topic: {c.Topic} | keywords: {string.Join("; ", c.Keywords)} | topic keywords: {string.Join("; ", c.TopicKeywords)}");
                }
            }

            return 0;
        }

        var classifier = new TrainedStanceClassifier();
        var articles = ClaimSets.Articles();
        var processed = articles.Select(a => classifier.Model.Process(a.Body)).ToList();
        foreach (var fill in fills)
        {
            var sets = new Dictionary<int, TrainedStanceClassifier.PreparedClaims>();
            foreach (var size in (int[])[10, 10_000])
            {
                var prepared = sets[size] = (TrainedStanceClassifier.PreparedClaims)classifier.Prepare(ClaimSets.Build(fill, size));
                var candidates = processed.Select(prepared.Candidates).ToList();
                var results = articles.Sum(a => classifier.Classify(a, prepared).Count);
                var discarded = candidates.Select((c, a) => c.Count(x => x.OnClaim && x.IsAnotherStory(prepared.Entries[x.Claim].IsMentionedIn(processed[a])))).Average();
                var candidatesMicroseconds = Best(3, () =>
                {
                    var stopwatch = Stopwatch.StartNew();
                    var n = 0;
                    while (stopwatch.Elapsed.TotalSeconds < 0.5)
                    {
                        processed.ForEach(p => prepared.Candidates(p));
                        n += processed.Count;
                    }

                    return -stopwatch.Elapsed.TotalMicroseconds / n;
                });
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{fill} {size} claims, per article: {candidates.Average(c => c.Count(x => x.OnClaim)):F2} candidates by claim terms (model runs; of them {discarded:F2} off topic and not mentioned, so discarded by Map), {candidates.Average(c => c.Count(x => !x.OnClaim)):F2} on topic only, {(double)results / articles.Count:F2} results; Candidates() {-candidatesMicroseconds:F1} us"));
            }

            // Alternating 10 and 10,000, the best of each: another process on the machine slows a run, never speeds it up.
            var perSecond = new Dictionary<int, double> { [10] = 0, [10_000] = 0 };
            for (var round = 0; round < rounds; round++)
            {
                foreach (var size in (int[])[10, 10_000])
                {
                    var stopwatch = Stopwatch.StartNew();
                    var classified = 0;
                    while (stopwatch.Elapsed.TotalSeconds < seconds || classified < 3 * articles.Count)
                    {
                        foreach (var article in articles)
                        {
                            classifier.Classify(article, sets[size]);
                            classified++;
                        }
                    }

                    perSecond[size] = Math.Max(perSecond[size], classified / stopwatch.Elapsed.TotalSeconds);
                }
            }

            Console.WriteLine(Line(fill, perSecond[10], perSecond[10_000]));
        }

        return 0;
    }

    private static double Best(int times, Func<double> measure) => Enumerable.Range(0, times).Max(_ => measure());

    private static string Line(ClaimFill fill, double small, double large) => string.Create(CultureInfo.InvariantCulture,
        $"Claim scaling {fill}: {small:F1} articles/s with 10 claims, {large:F1} with 10,000; ratio 10,000/10 = {large / small:F3} ({(large / small >= Required ? "meets" : "below")} the required {Required})");
}
