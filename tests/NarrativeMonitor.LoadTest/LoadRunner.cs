using System.Diagnostics;
using Grpc.Core;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.Extensions.Logging.Console;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Common.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.LoadTest;

/// <summary>One load-test run: setup, warm-up, measured submission, wait for every evaluation, report, clean-up.</summary>
public sealed class LoadRunner(LoadOptions options)
{
    private static readonly TimeSpan ProgressInterval = TimeSpan.FromSeconds(2);

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var prefix = "lt-" + tag;
        var corpus = new SyntheticCorpus(options.Seed, tag, options.Claims);

        SelfHostedPipeline? pipeline = null;
        IHost? observer = null;
        var channels = new List<GrpcChannel>();
        try
        {
            var entityPrefix = options.SelfHost ? prefix : options.EntityPrefix;
            observer = await StartObserverAsync(entityPrefix, cancellationToken);
            var recorder = observer.Services.GetRequiredService<EvaluationRecorder>();
            recorder.Follow($"lt-{tag}-");

            if (options.SelfHost)
            {
                Progress($"starting ingest, classification and alert in this process (prefix {prefix})");
                pipeline = await SelfHostedPipeline.StartAsync(options.Redis!, options.RabbitMq!, prefix, options.Settings, cancellationToken);
            }

            var ingest = new IngestService.IngestServiceClient(Channel(channels, options.Security, pipeline?.IngestAddress ?? options.Ingest!));
            var classification = new ClassificationService.ClassificationServiceClient(Channel(channels, options.Security, pipeline?.ClassificationAddress ?? options.Classification!));
            var alerts = new AlertService.AlertServiceClient(Channel(channels, options.Security, pipeline?.AlertsAddress ?? options.Alerts!));

            var setup = Stopwatch.StartNew();
            await SetUpAsync(corpus, ingest, classification, cancellationToken);
            Progress($"registered {corpus.Sources.Count} sources and {corpus.Claims.Count} claims in {setup.Elapsed.TotalSeconds:F1} s");

            var generation = Stopwatch.StartNew();
            var total = options.Warmup + options.Articles;
            var requests = new SubmitArticleRequest[total];
            var mix = new Dictionary<IntendedStance, int>();
            long characters = 0;
            for (var i = 0; i < total; i++)
            {
                (requests[i], var stance, _) = corpus.Article(i);
                characters += requests[i].Article.Title.Length + requests[i].Article.Body.Length;
                if (i >= options.Warmup)
                {
                    mix[stance] = mix.GetValueOrDefault(stance) + 1;
                }
            }

            Progress($"generated {total} articles, {characters / total} characters on average, in {generation.Elapsed.TotalSeconds:F1} s");
            var agreement = await CheckStancesAsync(corpus, classification, total, cancellationToken);

            var run = new SubmissionLog(total);
            if (options.Warmup > 0)
            {
                Progress($"warm-up: {options.Warmup} articles");
                await SubmitAsync(ingest, requests, run, 0, options.Warmup, cancellationToken);
                var warm = await WaitForEvaluationsAsync(recorder, corpus, run, 0, options.Warmup, cancellationToken);
                if (warm > 0)
                {
                    Progress($"warm-up: {warm} accepted articles were never evaluated; measuring anyway");
                }
            }

            Progress($"measuring: {options.Articles} articles, {options.Streams} streams x {options.Batch} per call, rate {(options.Rate > 0 ? options.Rate.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture) + "/s" : "unbounded")}");
            var cpuBefore = Process.GetCurrentProcess().TotalProcessorTime;
            var started = DateTimeOffset.UtcNow;
            await SubmitAsync(ingest, requests, run, options.Warmup, options.Articles, cancellationToken);
            var submitted = DateTimeOffset.UtcNow;
            var missing = await WaitForEvaluationsAsync(recorder, corpus, run, options.Warmup, options.Articles, cancellationToken);
            var finished = DateTimeOffset.UtcNow;
            var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpuBefore;

            var alertCounts = await CountAlertsAsync(alerts, corpus.ClaimIdPrefix, cancellationToken);
            var report = LoadReport.Compute(options, corpus, run, recorder, mix, started, submitted, finished, missing, cpu, alertCounts,
                options.SelfHost ? "self-host" : "deployment", prefix, (double)characters / total, agreement);
            report.Write(Console.Out);

            if (!options.Keep && !options.SelfHost)
            {
                await RetireClaimsAsync(classification, corpus, cancellationToken);
            }

            return missing == 0 && run.Failed == 0 ? 0 : 1;
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }

            if (pipeline is not null)
            {
                await pipeline.DisposeAsync();
                if (!options.Keep)
                {
                    var deleted = await SelfHostedPipeline.DeleteRedisKeysAsync(options.Redis!, prefix);
                    Progress($"deleted {deleted} Redis keys under {prefix}:");
                }
            }

            if (observer is not null)
            {
                await observer.StopAsync(CancellationToken.None);
                observer.Dispose();
            }
        }
    }

    private async Task<IHost> StartObserverAsync(string entityPrefix, CancellationToken cancellationToken)
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Messaging:Transport"] = nameof(MessagingTransport.RabbitMq),
            ["Messaging:RabbitMqUri"] = options.RabbitMq!.ToString(),
            ["Messaging:EntityPrefix"] = entityPrefix,
            ["Logging:LogLevel:Default"] = "Warning",
        });
        builder.Services.Configure<ConsoleLoggerOptions>(o => o.LogToStandardErrorThreshold = LogLevel.Trace);
        builder.Services.AddSingleton<EvaluationRecorder>();
        builder.AddMessaging(bus => bus.AddConsumer<ArticleEvaluatedRecorder, ArticleEvaluatedRecorderDefinition>());
        var host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    private static GrpcChannel Channel(List<GrpcChannel> channels, NarrativeMonitor.ServiceDefaults.Security.GrpcClientSecurity security, Uri address)
    {
        var channel = GrpcChannel.ForAddress(address, new GrpcChannelOptions
        {
            HttpHandler = security.CreateHandler(new SocketsHttpHandler { EnableMultipleHttp2Connections = true }),
            MaxSendMessageSize = 8 * 1024 * 1024,
        });
        channels.Add(channel);
        return channel;
    }

    private static async Task SetUpAsync(SyntheticCorpus corpus, IngestService.IngestServiceClient ingest,
        ClassificationService.ClassificationServiceClient classification, CancellationToken cancellationToken)
    {
        foreach (var source in corpus.Sources)
        {
            await ingest.RegisterSourceAsync(new RegisterSourceRequest { Source = source }, cancellationToken: cancellationToken);
        }

        foreach (var claim in corpus.Claims)
        {
            var request = new CreateClaimRequest
            {
                Claim = new Claim
                {
                    Id = claim.Id,
                    Statement = claim.Statement,
                    Topic = claim.Topic,
                    Keywords = { claim.Keywords },
                    TopicKeywords = { claim.TopicKeywords },
                },
            };
            try
            {
                await classification.CreateClaimAsync(request, cancellationToken: cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
            {
                // A claim left by an interrupted run with the same tag: reuse it.
            }
        }
    }

    /// <summary>Writes requests [from, from+count) on <see cref="LoadOptions.Streams"/> concurrent client streams, paced when a rate is set.</summary>
    private async Task SubmitAsync(IngestService.IngestServiceClient ingest, SubmitArticleRequest[] requests, SubmissionLog log, int from, int count, CancellationToken cancellationToken)
    {
        var next = -1;
        var clock = Stopwatch.StartNew();
        using var progress = new CancellationTokenSource();
        var reporter = ReportSubmissionAsync(log, from, count, progress.Token);

        async Task StreamAsync()
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var first = Interlocked.Increment(ref next);
                if (first >= count)
                {
                    return;
                }

                var written = new List<int>(options.Batch);
                try
                {
                    using var call = ingest.SubmitArticles(cancellationToken: cancellationToken);
                    for (var offset = first; ;)
                    {
                        if (options.Rate > 0)
                        {
                            var wait = TimeSpan.FromSeconds(offset / options.Rate) - clock.Elapsed;
                            if (wait > TimeSpan.FromMilliseconds(1))
                            {
                                await Task.Delay(wait, cancellationToken);
                            }
                        }

                        var index = from + offset;
                        log.SubmittedAt[index] = DateTimeOffset.UtcNow;
                        written.Add(index);
                        await call.RequestStream.WriteAsync(requests[index], cancellationToken);
                        if (written.Count == options.Batch)
                        {
                            break;
                        }

                        offset = Interlocked.Increment(ref next);
                        if (offset >= count)
                        {
                            break;
                        }
                    }

                    await call.RequestStream.CompleteAsync();
                    var response = await call.ResponseAsync;
                    foreach (var result in response.Results)
                    {
                        log.Outcome[written[result.Index]] = result.Outcome;
                        if (result.Outcome == SubmissionOutcome.Rejected)
                        {
                            log.NoteRejection($"{result.ArticleId}: {result.Field}: {result.Error}");
                        }
                    }
                }
                catch (RpcException ex)
                {
                    log.NoteFailure(written.Count, $"SubmitArticles failed after {written.Count} articles: {ex.Status}");
                }
            }
        }

        try
        {
            await Task.WhenAll(Enumerable.Range(0, options.Streams).Select(_ => Task.Run(StreamAsync, cancellationToken)));
        }
        finally
        {
            await progress.CancelAsync();
            await reporter;
        }
    }

    private static async Task ReportSubmissionAsync(SubmissionLog log, int from, int count, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        try
        {
            while (true)
            {
                await Task.Delay(ProgressInterval, cancellationToken);
                var written = 0;
                for (var i = from; i < from + count; i++)
                {
                    written += log.SubmittedAt[i] == default ? 0 : 1;
                }

                Progress($"[{clock.Elapsed.TotalSeconds,5:F0} s] written {written}/{count} ({written / clock.Elapsed.TotalSeconds:F0}/s)");
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>Waits until every accepted article of the range is evaluated, or nothing moves for the stall timeout; returns how many are missing.</summary>
    private async Task<int> WaitForEvaluationsAsync(EvaluationRecorder recorder, SyntheticCorpus corpus, SubmissionLog log, int from, int count, CancellationToken cancellationToken)
    {
        var pending = new List<string>();
        for (var i = from; i < from + count; i++)
        {
            if (log.Outcome[i] == SubmissionOutcome.Accepted)
            {
                pending.Add(corpus.ArticleId(i));
            }
        }

        var accepted = pending.Count;
        var clock = Stopwatch.StartNew();
        var lastReport = TimeSpan.Zero;
        while (pending.Count > 0)
        {
            pending.RemoveAll(id => recorder.TryGet(id, out _));
            if (pending.Count == 0)
            {
                break;
            }

            if (DateTimeOffset.UtcNow - recorder.LastRecorded > options.StallTimeout)
            {
                Progress($"gave up: {pending.Count} of {accepted} accepted articles not evaluated, none evaluated for {options.StallTimeout.TotalSeconds:F0} s (first missing: {pending[0]})");
                return pending.Count;
            }

            if (clock.Elapsed - lastReport >= ProgressInterval)
            {
                lastReport = clock.Elapsed;
                Progress($"[{clock.Elapsed.TotalSeconds,5:F0} s after last write] evaluated {accepted - pending.Count}/{accepted}");
            }

            await Task.Delay(100, cancellationToken);
        }

        return 0;
    }

    /// <summary>
    /// Classifies a sample of the articles synchronously and compares with what they were written to be, so a report
    /// whose alerts look odd can be told apart from a corpus the classifier reads differently.
    /// </summary>
    private static async Task<double> CheckStancesAsync(SyntheticCorpus corpus, ClassificationService.ClassificationServiceClient classification, int total, CancellationToken cancellationToken)
    {
        const int SampleSize = 200;
        var agreed = 0;
        var checkedCount = 0;
        var disagreements = new List<string>();
        for (var i = 0; i < total; i += Math.Max(1, total / SampleSize))
        {
            var (request, intended, claimId) = corpus.Article(i);
            var response = await classification.ClassifyTextAsync(new ClassifyTextRequest { Title = request.Article.Title, Body = request.Article.Body, Language = "en" }, cancellationToken: cancellationToken);
            var related = response.Results.Where(r => r.Stance != Stance.Unrelated && r.Stance != Stance.Unspecified).ToArray();
            var expected = intended switch
            {
                IntendedStance.Unrelated => (Stance?)null,
                IntendedStance.Omits => Stance.Omits,
                IntendedStance.Acknowledges or IntendedStance.StateAcknowledges => Stance.Acknowledges,
                IntendedStance.Discusses => Stance.Discusses,
                IntendedStance.Denies => Stance.Denies,
                _ => Stance.Deflects,
            };
            var ok = expected is null
                ? related.Length == 0
                : related.Length == 1 && related[0].ClaimId == claimId && related[0].Stance == expected;
            checkedCount++;
            if (ok)
            {
                agreed++;
            }
            else if (disagreements.Count < 5)
            {
                disagreements.Add($"{corpus.ArticleId(i)} written {intended} toward {claimId}, classified " +
                    (related.Length == 0 ? "unrelated to every claim" : string.Join(", ", related.Select(r => $"{r.Stance} toward {r.ClaimId}"))));
            }
        }

        var agreement = 100.0 * agreed / checkedCount;
        Progress($"classifier agrees with the intended stance on {agreed} of {checkedCount} sampled articles ({agreement:F1}%)");
        foreach (var line in disagreements)
        {
            Progress("  " + line);
        }

        return agreement;
    }

    private static async Task<AlertCounts> CountAlertsAsync(AlertService.AlertServiceClient alerts, string claimIdPrefix, CancellationToken cancellationToken)
    {
        var counts = new AlertCounts();
        // An unspecified state lists every alert but the withdrawn ones, which are asked for apart.
        foreach (var state in (AlertState[])[AlertState.Unspecified, AlertState.Withdrawn])
        {
            await ListAlertsAsync(alerts, claimIdPrefix, state, counts, cancellationToken);
        }

        return counts;
    }

    private static async Task ListAlertsAsync(AlertService.AlertServiceClient alerts, string claimIdPrefix, AlertState state, AlertCounts counts, CancellationToken cancellationToken)
    {
        var token = "";
        do
        {
            var page = await alerts.ListAlertsAsync(new ListAlertsRequest { PageSize = 1000, PageToken = token, State = state }, cancellationToken: cancellationToken);
            foreach (var alert in page.Alerts.Where(a => a.ClaimId.StartsWith(claimIdPrefix, StringComparison.Ordinal)))
            {
                counts.Add(alert);
            }

            token = page.NextPageToken;
        }
        while (!string.IsNullOrEmpty(token));
    }

    private static async Task RetireClaimsAsync(ClassificationService.ClassificationServiceClient classification, SyntheticCorpus corpus, CancellationToken cancellationToken)
    {
        foreach (var claim in corpus.Claims)
        {
            await classification.RetireClaimAsync(new RetireClaimRequest { Id = claim.Id }, cancellationToken: cancellationToken);
        }

        Progress($"retired the run's {corpus.Claims.Count} claims");
    }

    private static void Progress(string message) => Console.Error.WriteLine(message);
}

/// <summary>What the tool wrote and what ingest answered, by article index.</summary>
public sealed class SubmissionLog(int total)
{
    private readonly Lock _lock = new();
    private readonly List<string> _errors = [];

    public DateTimeOffset[] SubmittedAt { get; } = new DateTimeOffset[total];
    public SubmissionOutcome[] Outcome { get; } = new SubmissionOutcome[total];
    public int Failed { get; private set; }
    public IReadOnlyList<string> Errors => _errors;

    public void NoteRejection(string error)
    {
        lock (_lock)
        {
            if (_errors.Count < 20)
            {
                _errors.Add(error);
            }
        }
    }

    public void NoteFailure(int articles, string error)
    {
        lock (_lock)
        {
            Failed += articles;
            if (_errors.Count < 20)
            {
                _errors.Add(error);
            }
        }
    }
}

public sealed class AlertCounts
{
    public int Total { get; private set; }
    public Dictionary<string, int> ByKind { get; } = new(StringComparer.Ordinal);
    public Dictionary<string, int> ByState { get; } = new(StringComparer.Ordinal);

    public void Add(Alert alert)
    {
        Total++;
        var kind = alert.Kind.ToString().ToLowerInvariant();
        var state = alert.State.ToString().ToLowerInvariant();
        ByKind[kind] = ByKind.GetValueOrDefault(kind) + 1;
        ByState[state] = ByState.GetValueOrDefault(state) + 1;
    }
}
