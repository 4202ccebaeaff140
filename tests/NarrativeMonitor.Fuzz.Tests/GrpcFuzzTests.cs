using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.Testing;
using Xunit;
using Xunit.Abstractions;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.Fuzz.Tests;

[Collection(ServersCollection.Name)]
public sealed class GrpcFuzzTests(RedisFixture redis, RabbitMqFixture rabbit, ITestOutputHelper output)
{
    private const int Seed = 20241124;
    private const int Parallelism = 8;
    private const int Rounds = 3;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan OpenStreamPatience = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Managed heap growth over the run, after full collections, that counts as bounded. Generous: buffer pools
    /// (ArrayPool, Kestrel's) keep some of the 8 MiB buffers the largest requests needed; one retained request per call
    /// would be gigabytes. With 32 methods the heap ends 300 to 730 MiB above the start, depending on how many threads the
    /// pools cache buffers for (more when other test projects load the machine); the last-round check below is the one
    /// that catches a leak.
    /// </summary>
    private const long MaxManagedGrowthBytes = 1024L * 1024 * 1024;

    /// <summary>Growth allowed in the last round over the earlier rounds' highest mark. The pools can still take a few
    /// dozen 8 MiB buffers for threads that joined late (193 MiB seen under a loaded CI run); a leak of what a round sends
    /// is more: its 56 huge strings alone are about 500 MiB as .NET strings, and 20 KiB kept per request would be 240 MiB.</summary>
    private const long MaxLastRoundGrowthBytes = 256L * 1024 * 1024;

    [Fact]
    public async Task Every_method_answers_hostile_requests_with_a_proper_status_while_valid_traffic_still_flows()
    {
        await using var cluster = await FuzzCluster.StartAsync(redis, rabbit);
        var valid = await ValidTraffic.SetUpAsync(cluster);

        var methods = GrpcMethods.All;
        Assert.Contains(methods, m => m.Name == "AlertService/ResolveAlert");
        Assert.Contains(methods, m => m.Name == "AlertService/GetClaimTimeline");
        Assert.Contains(methods, m => m.Name == "WebhookService/CreateWebhook");
        Assert.Contains(methods, m => m.Name == "IngestService/SubmitArticles");

        var random = new Random(Seed);
        var cases = methods.SelectMany(m => FuzzCases.For(m, random, new FuzzCases.Counts())).ToList();
        new Random(Seed).Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(cases));
        Assert.True(cases.Count >= 10_000, $"only {cases.Count} hostile requests generated");

        using var raw = new RawGrpcClient();
        // Warm-up: JIT, connection pools, Redis and RabbitMQ connections and caches exist before the first measurement.
        var results = new ConcurrentBag<(FuzzCase Case, RawOutcome Outcome)>();
        await RunAsync(cases.Take(300));
        results.Clear();
        var before = Memory.Measure();

        // Rounds of the same requests: memory that keeps growing round after round is a leak, not a pool filling up.
        using var stopValid = new CancellationTokenSource();
        var validTask = valid.RunAsync(stopValid.Token);
        var stopwatch = Stopwatch.StartNew();
        var measured = new List<(string When, Memory Memory)> { ("before", before) };
        for (var round = 1; round <= Rounds; round++)
        {
            await RunAsync(cases);
            measured.Add(($"after round {round}", Memory.Measure()));
        }

        stopwatch.Stop();
        await stopValid.CancelAsync();
        await validTask;

        var after = measured[^1].Memory;
        var hostsAlive = await HostsAnswerAsync(cluster);
        Report(results, stopwatch.Elapsed, measured, valid);
        await valid.WaitUntilClassifiedAsync(Patience);
        output.WriteLine($"valid articles classified and evaluated: {valid.Classified} of {valid.Accepted.Count}");

        var wrong = results.Where(r => !Proper(r.Case, r.Outcome)).ToList();
        var logged = cluster.Errors.Entries.ToList();
        foreach (var group in logged.GroupBy(e => $"{e.Host} {e.Exception?.GetType().Name}: {e.Exception?.Message}").OrderByDescending(g => g.Count()).Take(40))
        {
            var frames = (group.First().Exception?.StackTrace ?? "").Split('\n').Take(4).Select(f => f.Trim());
            output.WriteLine($"logged error x{group.Count()}: {group.Key} | {group.First().Message}\n      {string.Join("\n      ", frames)}");
        }

        Assert.True(hostsAlive, "a host stopped answering health checks after the fuzzing");
        Assert.True(wrong.Count == 0, $"{wrong.Count} requests got an improper answer:\n" + string.Join("\n", wrong
            .GroupBy(r => $"{r.Case.Method.Name} {r.Case.Kind} '{r.Case.Variant}' -> {r.Outcome}")
            .OrderByDescending(g => g.Count()).Take(40).Select(g => $"  x{g.Count()} {g.Key} (expected {string.Join("/", g.First().Case.Acceptable)}; seed {g.First().Case.Seed})")));
        // Errors are logged only for exceptions grpc-dotnet did not expect: the framing faults it answers with Unknown
        // (see FuzzCases) and clients that went away mid-request. None may come from our code.
        var ours = logged.Where(e => !ThrownByFramework(e.Exception)).ToList();
        Assert.True(ours.Count == 0, $"{ours.Count} errors logged outside grpc-dotnet's framing code:\n" + string.Join("\n", ours.Take(5).Select(e => $"{e.Host} {e.Category}: {e.Message} {e.Exception}")));
        Assert.True(valid.Failures.IsEmpty, "valid requests failed during the fuzzing:\n" + string.Join("\n", valid.Failures.Take(20)));
        Assert.True(valid.Accepted.Count > 0, "no valid article was accepted during the fuzzing");
        var growth = after.ManagedBytes - before.ManagedBytes;
        Assert.True(growth < MaxManagedGrowthBytes, $"the managed heap grew by {growth / 1048576.0:F0} MiB over the run");
        // Pools fill and drain with the load, so the last round is compared with the highest mark of the earlier ones.
        var lastRound = after.ManagedBytes - measured.Skip(1).SkipLast(1).Max(m => m.Memory.ManagedBytes);
        Assert.True(lastRound < MaxLastRoundGrowthBytes, $"the managed heap still grew by {lastRound / 1048576.0:F0} MiB in the last round of the same requests");

        async Task RunAsync(IEnumerable<FuzzCase> batch) =>
            await Parallel.ForEachAsync(batch, new ParallelOptions { MaxDegreeOfParallelism = Parallelism }, async (fuzzCase, _) =>
            {
                var outcome = await raw.SendAsync(cluster.Address(fuzzCase.Method.Host), fuzzCase.Method.Path, fuzzCase.Request(), Patience,
                    fuzzCase.Method.ServerStreaming ? OpenStreamPatience : null);
                results.Add((fuzzCase, outcome));
            });
    }

    /// <summary>Whether the exception was thrown (its first frame) by grpc-dotnet's frame reader, gzip decompression or
    /// Kestrel's request body (a client that reset its stream), not by our code, even when it passed through our handler
    /// (a client-streaming handler reads the frames).</summary>
    private static bool ThrownByFramework(Exception? exception)
    {
        var thrower = exception?.StackTrace?.Split('\n', StringSplitOptions.RemoveEmptyEntries).FirstOrDefault()?.Trim() ?? "";
        return new[] { "at Grpc.AspNetCore.Server.Internal.PipeExtensions.", "at System.IO.Compression.", "at System.IO.Pipelines.", "at Microsoft.AspNetCore.Server.Kestrel." }
            .Any(prefix => thrower.StartsWith(prefix, StringComparison.Ordinal));
    }

    private static bool Proper(FuzzCase fuzzCase, RawOutcome outcome)
    {
        if (!fuzzCase.StatusExpected)
        {
            // The reset can come after the server has answered: then the answer must still be a proper one.
            return outcome.Status is null or not (StatusCode.Unknown or StatusCode.Internal);
        }

        if (outcome.Status is null)
        {
            return fuzzCase.MayBeRefusedByHttp && outcome.HttpStatus is 404 or 415;
        }

        return fuzzCase.Acceptable.Contains(outcome.Status.Value);
    }

    private static async Task<bool> HostsAnswerAsync(FuzzCluster cluster)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(30) };
        foreach (var host in new[] { cluster.Ingest, cluster.Classification, cluster.Alerts })
        {
            var response = await http.GetAsync(new Uri(NarrativeMonitor.Cli.ServiceHosts.HttpAddress(host), "/health"));
            if (!response.IsSuccessStatusCode)
            {
                return false;
            }
        }

        return true;
    }

    private void Report(ConcurrentBag<(FuzzCase Case, RawOutcome Outcome)> results, TimeSpan elapsed, List<(string When, Memory Memory)> memory, ValidTraffic valid)
    {
        output.WriteLine($"hostile requests: {results.Count} in {elapsed.TotalSeconds:F0} s over {GrpcMethods.All.Count} methods, {Rounds} rounds of the same {results.Count / Rounds} (seed {Seed}, {Parallelism} at once)");
        output.WriteLine("");
        output.WriteLine("per kind (status: count)");
        foreach (var kind in results.GroupBy(r => r.Case.Kind).OrderBy(g => g.Key))
        {
            output.WriteLine($"  {kind.Key,-16} {kind.Count(),6}  {Statuses(kind)}");
        }

        output.WriteLine("");
        output.WriteLine("per method (status: count)");
        foreach (var method in results.GroupBy(r => r.Case.Method.Name).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            output.WriteLine($"  {method.Key,-40} {method.Count(),6}  {Statuses(method)}");
        }

        output.WriteLine("");
        output.WriteLine("per kind and variant");
        foreach (var variant in results.GroupBy(r => (r.Case.Kind, r.Case.Variant)).OrderBy(g => g.Key.Kind).ThenBy(g => g.Key.Variant, StringComparer.Ordinal))
        {
            output.WriteLine($"  {variant.Key.Kind,-16} {variant.Key.Variant,-50} {variant.Count(),6}  {Statuses(variant)}");
        }

        output.WriteLine("");
        output.WriteLine($"valid requests alongside: {valid.Succeeded} succeeded, {valid.Failures.Count} failed; {valid.Accepted.Count} articles accepted");
        foreach (var (when, figures) in memory)
        {
            output.WriteLine($"memory {when,-14} managed heap {figures.ManagedBytes / 1048576.0,6:F1} MiB, working set {figures.WorkingSetBytes / 1048576.0,5:F0} MiB");
        }
    }

    private static string Statuses(IEnumerable<(FuzzCase Case, RawOutcome Outcome)> results) => string.Join(", ", results
        .GroupBy(r => r.Outcome.Status?.ToString() ?? (r.Case.StatusExpected ? "none: " + r.Outcome.NoStatus : "reset by client"))
        .OrderByDescending(g => g.Count())
        .Select(g => $"{g.Key}: {g.Count()}"));

    private sealed record Memory(long ManagedBytes, long WorkingSetBytes)
    {
        public static Memory Measure()
        {
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            GC.WaitForPendingFinalizers();
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Forced, blocking: true, compacting: true);
            using var process = Process.GetCurrentProcess();
            return new Memory(GC.GetTotalMemory(forceFullCollection: true), process.WorkingSet64);
        }
    }
}

/// <summary>Well-formed calls made alongside the fuzzing: articles that must be accepted and classified, classifications and listings that must succeed.</summary>
internal sealed class ValidTraffic
{
    private const string ClaimId = "fuzz-troops";
    private static readonly string[] Vocabulary = Enumerable.Range(0, 600).Select(i => $"w{i:x3}{(char)('a' + i % 26)}").ToArray();
    private readonly FuzzCluster _cluster;
    private readonly Random _random = new(7);
    private int _succeeded;
    private int _classified;

    private ValidTraffic(FuzzCluster cluster) => _cluster = cluster;

    public ConcurrentQueue<string> Failures { get; } = new();
    public ConcurrentQueue<string> Accepted { get; } = new();
    public int Succeeded => _succeeded;
    public int Classified => _classified;

    public static async Task<ValidTraffic> SetUpAsync(FuzzCluster cluster)
    {
        foreach (var (id, kind) in new[] { ("fuzz-wire", ProtoSourceKind.Wire), ("fuzz-state", ProtoSourceKind.StateMedia) })
        {
            await cluster.IngestClient.RegisterSourceAsync(new RegisterSourceRequest
            {
                Source = new Source { Id = id, Name = id, Kind = kind, Country = "XX", Language = "en" },
            });
        }

        await cluster.ClassificationClient.CreateClaimAsync(new CreateClaimRequest
        {
            Claim = new Claim
            {
                Id = ClaimId,
                Statement = "Northland troops are fighting alongside Eastland forces in Westmark province",
                Topic = "fighting in Westmark province",
                Keywords = { "Northland" },
                TopicKeywords = { "Westmark" },
            },
        });
        return new ValidTraffic(cluster);
    }

    public async Task RunAsync(CancellationToken stop)
    {
        var ingest = _cluster.IngestClient;
        var classification = _cluster.ClassificationClient;
        var alerts = _cluster.AlertsClient;
        for (var i = 0; !stop.IsCancellationRequested; i++)
        {
            var words = string.Join(' ', Enumerable.Range(0, 60).Select(_ => Vocabulary[_random.Next(Vocabulary.Length)]));
            var body = $"Report {i}: Northland troops are fighting alongside Eastland forces in Westmark province, officials said. {words}.";
            await Call($"SubmitArticle {i}", async () =>
            {
                var response = await ingest.SubmitArticleAsync(new SubmitArticleRequest
                {
                    Article = new Article
                    {
                        Id = $"fuzz-valid-{i}",
                        SourceId = i % 2 == 0 ? "fuzz-wire" : "fuzz-state",
                        Url = $"https://news.example/fuzz/{i}",
                        PublishedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 11, 1, 9, 0, 0, TimeSpan.Zero).AddMinutes(i)),
                        Title = $"Westmark report {i}",
                        Body = body,
                    },
                }, deadline: DateTime.UtcNow.AddSeconds(60));
                if (response.Outcome != SubmissionOutcome.Accepted)
                {
                    throw new InvalidOperationException($"outcome {response.Outcome}, duplicate of '{response.DuplicateOf}'");
                }

                Accepted.Enqueue(response.ArticleId);
            });
            await Call($"ClassifyText {i}", async () =>
            {
                var response = await classification.ClassifyTextAsync(new ClassifyTextRequest { Title = "Westmark", Body = body, ClaimIds = { ClaimId } },
                    deadline: DateTime.UtcNow.AddSeconds(60));
                if (response.Results.Single().Stance != NarrativeMonitor.Protos.Common.V1.Stance.Acknowledges)
                {
                    throw new InvalidOperationException($"stance {response.Results.Single().Stance}");
                }
            });
            await Call($"ListAlerts {i}", async () => await alerts.ListAlertsAsync(new ListAlertsRequest { ClaimId = ClaimId }, deadline: DateTime.UtcNow.AddSeconds(60)));
            try
            {
                await Task.Delay(50, stop);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    public async Task WaitUntilClassifiedAsync(TimeSpan patience)
    {
        foreach (var id in Accepted)
        {
            await _cluster.Progress.WaitForEvaluationAsync(id, patience, CancellationToken.None);
            _classified++;
        }
    }

    private async Task Call(string what, Func<Task> call)
    {
        try
        {
            await call();
            Interlocked.Increment(ref _succeeded);
        }
        catch (Exception ex) when (ex is RpcException or InvalidOperationException)
        {
            Failures.Enqueue($"{what}: {ex.Message}");
        }
    }
}
