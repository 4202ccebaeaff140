using System.Collections.Concurrent;
using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Alerts;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using Xunit.Abstractions;
using ProtoOutcome = NarrativeMonitor.Protos.Ingest.V1.SubmissionOutcome;

namespace NarrativeMonitor.FaultTests;

/// <summary>
/// One fault-test run: a deployment of its own, the workload submitted over several client streams with retries of
/// whatever ingest answered Unavailable (or whatever a failed call left unanswered), the faults the test injects, then
/// the checks: every accepted article recorded in the ledger once, exactly the expected alerts, one RAISED event each.
/// </summary>
public sealed class FaultRun : IAsyncDisposable
{
    private const int Streams = 4;
    private const int ArticlesPerCall = 250;
    private static readonly ConcurrentDictionary<int, Lazy<(Workload, Expected)>> Workloads = new();

    private readonly ITestOutputHelper _output;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly ConcurrentDictionary<string, byte> _accepted = new(StringComparer.Ordinal);
    private readonly List<string> _faults = [];
    private readonly List<string> _problems = [];
    private long _sent;
    private long _retried;
    private long _unavailable;
    private long _failedCalls;
    private GrpcChannel? _ingestChannel;

    private FaultRun(FaultServers servers, ITestOutputHelper output, Workload workload, Expected expected)
    {
        Servers = servers;
        _output = output;
        Workload = workload;
        Expected = expected;
    }

    public FaultServers Servers { get; }
    public Deployment Deployment { get; private set; } = null!;
    public Workload Workload { get; }
    public Expected Expected { get; }
    public int Accepted => _accepted.Count;

    public static async Task<FaultRun> StartAsync(FaultServers servers, ITestOutputHelper output, int articles)
    {
        var (workload, expected) = Workloads.GetOrAdd(articles, n => new Lazy<(Workload, Expected)>(() =>
        {
            var w = new Workload(n);
            return (w, w.ComputeExpected());
        })).Value;
        var run = new FaultRun(servers, output, workload, expected);
        var prefix = "f" + Guid.NewGuid().ToString("N")[..8];
        run.Log($"prefix {prefix}: {workload.Articles.Count} articles, {workload.Claims.Count} claims, {workload.Sources.Count} sources; " +
                $"{expected.Entries.Count} ledger entries and {expected.Alerts.Count} alerts expected; classifier agrees with the intended stance on {expected.StanceAgreement:P1}");
        run.Deployment = await Deployment.StartAsync(servers, prefix);
        run.Log("services started (three processes)");
        await run.SetUpAsync();
        return run;
    }

    public void Log(string message) => _output.WriteLine($"[{_clock.Elapsed.TotalSeconds,6:F1} s] {message}");

    public void Fault(string description)
    {
        _faults.Add(description);
        Log("FAULT: " + description);
    }

    /// <summary>Submits every article until each is accepted; runs alongside the faults the test injects.</summary>
    public async Task SubmitAllAsync()
    {
        var pending = new ConcurrentQueue<Article[]>(Workload.Articles.Select(a => a.Article).Chunk(ArticlesPerCall));
        var inFlight = pending.Count;
        var workers = Enumerable.Range(0, Streams).Select(async _ =>
        {
            var client = new IngestService.IngestServiceClient(_ingestChannel!);
            while (Volatile.Read(ref inFlight) > 0)
            {
                if (!pending.TryDequeue(out var chunk))
                {
                    await Task.Delay(50);
                    continue;
                }

                var retry = await SubmitChunkAsync(client, chunk);
                if (retry.Count > 0)
                {
                    Interlocked.Add(ref _retried, retry.Count);
                    await Task.Delay(500);
                    pending.Enqueue([.. retry]);
                }
                else
                {
                    Interlocked.Decrement(ref inFlight);
                }
            }
        });
        await Task.WhenAll(workers);
        Log($"all {Workload.Articles.Count} articles accepted ({_sent} submissions, {_retried} retried)");
    }

    /// <summary>One SubmitArticles call; answers the articles to send again.</summary>
    private async Task<List<Article>> SubmitChunkAsync(IngestService.IngestServiceClient client, Article[] chunk)
    {
        Interlocked.Add(ref _sent, chunk.Length);
        SubmitArticlesResponse response;
        try
        {
            using var call = client.SubmitArticles(deadline: DateTime.UtcNow.AddMinutes(2));
            foreach (var article in chunk)
            {
                await call.RequestStream.WriteAsync(new SubmitArticleRequest { Article = article });
            }

            await call.RequestStream.CompleteAsync();
            response = await call;
        }
        catch (RpcException ex)
        {
            // The whole call failed (ingest died, or the stream broke): nothing was answered, so everything goes again;
            // what was accepted before comes back DUPLICATE of itself.
            Interlocked.Increment(ref _failedCalls);
            Log($"SubmitArticles failed ({ex.StatusCode}): {chunk.Length} articles to retry");
            return [.. chunk];
        }

        var retry = new List<Article>();
        foreach (var result in response.Results)
        {
            var article = chunk[result.Index];
            switch (result.Outcome)
            {
                case ProtoOutcome.Accepted:
                    _accepted[article.Id] = 0;
                    break;
                case ProtoOutcome.Duplicate when result.DuplicateOf == article.Id:
                    // Accepted by an earlier call whose answer was lost (or retried after Unavailable and then accepted).
                    _accepted[article.Id] = 0;
                    break;
                case ProtoOutcome.Rejected when result.StatusCode == (int)StatusCode.Unavailable:
                    Interlocked.Increment(ref _unavailable);
                    retry.Add(article);
                    break;
                default:
                    lock (_problems)
                    {
                        _problems.Add($"{article.Id}: {result.Outcome} {result.DuplicateOf} {result.StatusCode} {result.Field} {result.Error}");
                    }

                    break;
            }
        }

        return retry;
    }

    public async Task WaitForAcceptedAsync(double fraction)
    {
        var target = (int)(Workload.Articles.Count * fraction);
        await FaultServers.WaitUntilAsync(() => Task.FromResult(Accepted >= target), TimeSpan.FromMinutes(5),
            $"only {Accepted} of {target} articles accepted within 5 minutes:\n{Deployment.Tails()}");
    }

    /// <summary>
    /// Waits until the ledger holds every expected entry and the stored alerts are the expected ones; gives up when nothing
    /// changed for two minutes. Then checks everything and prints the figures.
    /// </summary>
    public async Task VerifyAsync()
    {
        await using var redis = await ConnectionMultiplexer.ConnectAsync(Servers.RedisConnection);
        var database = redis.GetDatabase().WithKeyPrefix(Deployment.Prefix + ":");
        var store = new RedisAlertStore(database, Options.Create(new AlertOptions()));
        var expectedByKey = Expected.Entries
            .GroupBy(e => e.Outlet is null ? $"cf:{e.ClaimId}" : $"ob:{e.ClaimId}:{e.Outlet}")
            .ToDictionary(g => g.Key, g => g.Select(e => e.ArticleId).ToHashSet(StringComparer.Ordinal));

        long recorded = 0, last = -1;
        var idle = Stopwatch.StartNew();
        var settled = Stopwatch.StartNew();
        IReadOnlyList<AlertRecord> alerts = [];
        while (true)
        {
            var lengths = expectedByKey.Keys.Select(key => database.HashLengthAsync(key)).ToArray();
            recorded = (await Task.WhenAll(lengths)).Sum();
            if (recorded != last)
            {
                last = recorded;
                idle.Restart();
                settled.Restart();
            }

            if (recorded >= Expected.Entries.Count)
            {
                alerts = await ListAlertsAsync(store, null);
                if (alerts.Count == Expected.Alerts.Count && settled.Elapsed > TimeSpan.FromSeconds(3) || settled.Elapsed > TimeSpan.FromSeconds(60))
                {
                    break;
                }
            }

            if (idle.Elapsed > TimeSpan.FromMinutes(2))
            {
                Log($"no progress for 2 minutes at {recorded} of {Expected.Entries.Count} ledger entries");
                break;
            }

            await Task.Delay(1000);
        }

        Log($"ledger holds {recorded} of {Expected.Entries.Count} entries");

        // 1. Every accepted article is in the ledger, once, where the classifier puts it; nothing else is.
        var missing = new List<string>();
        var unexpected = new List<string>();
        foreach (var (key, articles) in expectedByKey)
        {
            var fields = (await database.HashKeysAsync(key)).Select(f => f.ToString()).ToHashSet(StringComparer.Ordinal);
            missing.AddRange(articles.Where(a => !fields.Contains(a)).Select(a => $"{key}/{a}"));
            unexpected.AddRange(fields.Where(f => !articles.Contains(f)).Select(f => $"{key}/{f}"));
        }

        var notAccepted = Workload.Articles.Count(a => !_accepted.ContainsKey(a.Article.Id));
        var recordedArticles = Expected.Entries.Select(e => e.ArticleId).Distinct().Count();

        // 2. The alerts are exactly the expected ones, evidence and times included.
        alerts = await ListAlertsAsync(store, null);
        var withdrawn = await ListAlertsAsync(store, AlertState.Withdrawn);
        var expectedById = Expected.Alerts.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var storedById = alerts.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var missingAlerts = expectedById.Keys.Where(id => !storedById.ContainsKey(id)).ToList();
        var extraAlerts = storedById.Keys.Where(id => !expectedById.ContainsKey(id)).ToList();
        var differentAlerts = expectedById.Values.Where(e => storedById.TryGetValue(e.Id, out var s) && !s.Episode.SameAs(e)).Select(e => e.Id).ToList();

        // 3. One RAISED event per alert in the event stream.
        var raised = new Dictionary<string, int>(StringComparer.Ordinal);
        var eventCount = 0;
        string? cursor = null;
        while (true)
        {
            var events = await store.ReadEventsAsync(cursor, 1000);
            if (events.Count == 0)
            {
                break;
            }

            eventCount += events.Count;
            foreach (var e in events.Where(e => e.Type == AlertEventType.Raised))
            {
                raised[e.Alert.Id] = raised.GetValueOrDefault(e.Alert.Id) + 1;
            }

            cursor = events[^1].Cursor;
        }

        var raisedTwice = raised.Where(r => r.Value > 1).Select(r => $"{r.Key} x{r.Value}").ToList();
        var errorQueues = (await Servers.ListQueuesAsync())
            .Where(q => q.Queue.StartsWith(Deployment.Prefix, StringComparison.Ordinal) && q.Queue.EndsWith("_error", StringComparison.Ordinal))
            .ToList();

        Log($"articles: {Workload.Articles.Count} sent once each, {_sent} submissions in all, {_retried} retried " +
            $"({_unavailable} answered Unavailable, {_failedCalls} failed calls), {Accepted} accepted");
        Log($"ledger: {recorded} entries for {recordedArticles} articles, {missing.Count} missing, {unexpected.Count} unexpected");
        Log($"alerts: {Expected.Alerts.Count} expected, {alerts.Count} stored ({missingAlerts.Count} missing, {extraAlerts.Count} extra, " +
            $"{differentAlerts.Count} different, {withdrawn.Count} withdrawn); {eventCount} events, {raised.Values.Sum()} RAISED, {raisedTwice.Count} raised twice");
        Log($"messages left in error queues: {errorQueues.Sum(q => q.Messages)}");
        Log($"faults injected: {_faults.Count} ({string.Join("; ", _faults)}); time {_clock.Elapsed.TotalSeconds:F0} s");

        var failures = new List<string>();
        if (_problems.Count > 0)
        {
            failures.Add($"{_problems.Count} unexpected answers from ingest, e.g. {string.Join(", ", _problems.Take(5))}");
        }

        if (notAccepted > 0)
        {
            failures.Add($"{notAccepted} articles were never accepted");
        }

        if (missing.Count > 0)
        {
            failures.Add($"{missing.Count} accepted articles are missing from the ledger, e.g. {string.Join(", ", missing.Take(5))}");
        }

        if (unexpected.Count > 0)
        {
            failures.Add($"{unexpected.Count} unexpected ledger entries, e.g. {string.Join(", ", unexpected.Take(5))}");
        }

        if (missingAlerts.Count + extraAlerts.Count + differentAlerts.Count > 0)
        {
            failures.Add($"alerts differ: missing {string.Join(", ", missingAlerts.Take(5))}; extra {string.Join(", ", extraAlerts.Take(5))}; different {string.Join(", ", differentAlerts.Take(5))}"
                + string.Concat(differentAlerts.Take(2).Select(id => $"\n  {id}: {Differences(expectedById[id], storedById[id].Episode)}")));
        }

        if (withdrawn.Count > 0)
        {
            failures.Add($"{withdrawn.Count} alerts were withdrawn, e.g. {string.Join(", ", withdrawn.Take(5).Select(a => a.Id))}");
        }

        if (raisedTwice.Count > 0)
        {
            failures.Add($"alerts raised more than once: {string.Join(", ", raisedTwice.Take(10))}");
        }

        var neverRaised = expectedById.Keys.Where(id => !raised.ContainsKey(id)).ToList();
        if (neverRaised.Count > 0)
        {
            failures.Add($"{neverRaised.Count} expected alerts have no RAISED event, e.g. {string.Join(", ", neverRaised.Take(5))}");
        }

        if (errorQueues.Any(q => q.Messages > 0))
        {
            failures.Add($"messages were given up to error queues: {string.Join(", ", errorQueues.Where(q => q.Messages > 0).Select(q => $"{q.Queue}={q.Messages}"))}");
        }

        foreach (var exited in Deployment.Exited())
        {
            failures.Add($"{exited.Service} exited on its own");
        }

        if (failures.Count > 0)
        {
            throw new Xunit.Sdk.XunitException(string.Join("\n", failures) + "\n" + Deployment.Tails());
        }
    }

    private static async Task<IReadOnlyList<AlertRecord>> ListAlertsAsync(RedisAlertStore store, AlertState? state)
    {
        var all = new List<AlertRecord>();
        string? token = null;
        do
        {
            var page = await store.ListAsync(new AlertQuery { State = state, PageSize = 1000, PageToken = token });
            all.AddRange(page.Alerts);
            token = page.NextPageToken;
        }
        while (token is not null);

        return all;
    }

    private async Task SetUpAsync()
    {
        _ingestChannel = GrpcChannel.ForAddress(Deployment[ServiceName.Ingest].GrpcAddress);
        var ingest = new IngestService.IngestServiceClient(_ingestChannel);
        using var classificationChannel = GrpcChannel.ForAddress(Deployment[ServiceName.Classification].GrpcAddress);
        var classification = new ClassificationService.ClassificationServiceClient(classificationChannel);
        foreach (var source in Workload.Sources)
        {
            await ingest.RegisterSourceAsync(new RegisterSourceRequest { Source = source });
        }

        foreach (var claim in Workload.Claims)
        {
            await classification.CreateClaimAsync(new CreateClaimRequest { Claim = claim.Claim });
        }

        Log($"registered {Workload.Sources.Count} sources and {Workload.Claims.Count} claims");
    }

    public async ValueTask DisposeAsync()
    {
        _ingestChannel?.Dispose();
        if (Deployment is not null)
        {
            await Deployment.DisposeAsync();
        }

        // The run's keys go; the servers are shared by the collection's tests.
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(Servers.RedisConnection + ",allowAdmin=true");
            var server = redis.GetServer(Servers.RedisConnection);
            var keys = new List<RedisKey>();
            await foreach (var key in server.KeysAsync(pattern: Deployment!.Prefix + ":*", pageSize: 1000))
            {
                keys.Add(key);
            }

            foreach (var batch in keys.Chunk(1000))
            {
                await redis.GetDatabase().KeyDeleteAsync(batch);
            }
        }
        catch (RedisException)
        {
            // A server the test left down has nothing to clean.
        }
    }

    /// <summary>Which fields of a stored alert differ from the expected one, for the failure message.</summary>
    private static string Differences(AlertEpisode expected, AlertEpisode stored)
    {
        var fields = new List<string>();
        void Compare(string name, object? e, object? s)
        {
            if (!Equals(e, s))
            {
                fields.Add($"{name} expected {e ?? "null"} stored {s ?? "null"}");
            }
        }

        Compare("raised_at", expected.RaisedAt, stored.RaisedAt);
        Compare("resolved_at", expected.ResolvedAt, stored.ResolvedAt);
        Compare("confirmed_at", expected.ConfirmedAt, stored.ConfirmedAt);
        Compare("diverging", string.Join(",", expected.DivergingArticleIds), string.Join(",", stored.DivergingArticleIds));
        Compare("confirming", string.Join(",", expected.ConfirmingArticleIds), string.Join(",", stored.ConfirmingArticleIds));
        Compare("sentences", string.Join("|", expected.EvidenceSentences), string.Join("|", stored.EvidenceSentences));
        Compare("explanation.summary", expected.Explanation?.Summary, stored.Explanation?.Summary);
        Compare("explanation.count", expected.Explanation?.OnTopicArticleCount, stored.Explanation?.OnTopicArticleCount);
        Compare("explanation.window", $"{expected.Explanation?.WindowStart}..{expected.Explanation?.WindowEnd}", $"{stored.Explanation?.WindowStart}..{stored.Explanation?.WindowEnd}");
        Compare("explanation.diverging", string.Join(",", expected.Explanation?.DivergingArticles ?? []), string.Join(",", stored.Explanation?.DivergingArticles ?? []));
        Compare("explanation.confirming", string.Join(",", expected.Explanation?.ConfirmingArticles ?? []), string.Join(",", stored.Explanation?.ConfirmingArticles ?? []));
        return fields.Count == 0 ? "other fields" : string.Join("; ", fields);
    }
}
