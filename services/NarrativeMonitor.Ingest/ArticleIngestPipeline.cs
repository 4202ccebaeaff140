using System.Diagnostics;
using System.Diagnostics.Metrics;
using Grpc.Core;
using MassTransit;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Classifier.Text;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Ingest.NearDuplicates;
using NarrativeMonitor.ServiceDefaults;
using StackExchange.Redis;
using Article = NarrativeMonitor.Protos.Ingest.V1.Article;

namespace NarrativeMonitor.Ingest;

public enum IngestOutcome
{
    Accepted = 1,
    Duplicate = 2,
    Rejected = 3,
}

/// <summary>
/// What happened to one article. <see cref="Error"/> is set exactly when it was rejected; <see cref="NearDuplicateOf"/>
/// when it was accepted as a near-duplicate (a copy with small edits) of that earlier article.
/// </summary>
public sealed record SubmissionResult(IngestOutcome Outcome, string? ArticleId, string? DuplicateOf = null, IngestError? Error = null, string? NearDuplicateOf = null)
{
    public static SubmissionResult Rejected(IngestError error, string? articleId = null) => new(IngestOutcome.Rejected, articleId, null, error);
}

/// <summary>
/// The one path every article takes, whichever RPC (or, later, feed poller) brought it: validate and normalize,
/// claim it against duplicates, publish <see cref="ArticleIngested"/>. A failed publish gives the claim back, so the
/// client's retry is accepted and no article is lost between "claimed" and "published".
/// </summary>
public sealed partial class ArticleIngestPipeline(
    SourceRegistry sources,
    ArticleValidator validator,
    IArticleDeduplicator deduplicator,
    NearDuplicateDetector nearDuplicates,
    InFlightArticles inFlight,
    IPublishEndpoint publishEndpoint,
    IngestAdmission admission,
    TimeProvider timeProvider,
    IOptions<IngestOptions> options,
    ILogger<ArticleIngestPipeline> logger)
{
    private static readonly Counter<long> AcceptedCounter =
        Telemetry.Meter.CreateCounter<long>("nm.ingest.articles.accepted", "{article}", "Articles accepted and published for classification.");
    private static readonly Counter<long> DuplicateCounter =
        Telemetry.Meter.CreateCounter<long>("nm.ingest.articles.duplicate", "{article}", "Articles refused as duplicates of an accepted one.");
    private static readonly Counter<long> RejectedCounter =
        Telemetry.Meter.CreateCounter<long>("nm.ingest.articles.rejected", "{article}", "Articles refused as invalid, or that could not be published.");

    private readonly int _maxConcurrentPublishes = options.Value.MaxConcurrentPublishes;
    private readonly int _publishBatchSize = options.Value.PublishBatchSize;
    private readonly TimeSpan _publishLinger = options.Value.PublishLinger;
    private readonly TimeSpan _publishTimeout = options.Value.PublishTimeout;

    public async Task<SubmissionResult> SubmitAsync(Article? article, CancellationToken cancellationToken = default)
    {
        using var activity = Telemetry.ActivitySource.StartActivity("ingest.submit");
        if (admission.TryAdmit() is { } refused)
        {
            var refusal = SubmissionResult.Rejected(refused, IdOf(article));
            Record(activity, refusal);
            return refusal;
        }

        try
        {
            var prepared = await PrepareAsync(article, cancellationToken);
            var result = prepared.Result ?? await PublishAsync(prepared.Claimed!, cancellationToken);
            Record(activity, result);
            return result;
        }
        finally
        {
            admission.Release();
        }
    }

    /// <summary>
    /// Submits every article of <paramref name="articles"/> and answers their results in the same order. Validation
    /// and de-duplication run one article at a time, so of two identical articles in a stream the first is accepted.
    /// Accepted articles are published as <see cref="ArticleBatchIngested"/> of up to
    /// <see cref="IngestOptions.PublishBatchSize"/>, a partial batch once no next article arrives within
    /// <see cref="IngestOptions.PublishLinger"/>; up to <see cref="IngestOptions.MaxConcurrentPublishes"/> batches are
    /// awaited at once. A failed batch gives back the claims of all its articles and answers each Unavailable.
    /// </summary>
    public async Task<IReadOnlyList<SubmissionResult>> SubmitManyAsync(IAsyncEnumerable<Article?> articles, CancellationToken cancellationToken = default)
    {
        var pending = new List<Task<SubmissionResult>>();
        var batch = new List<BatchEntry>(_publishBatchSize);
        using var slots = new SemaphoreSlim(_maxConcurrentPublishes);
        var holdsSlot = false;
        var parentActivity = Activity.Current;
        var enumerator = articles.GetAsyncEnumerator(cancellationToken);
        try
        {
            while (true)
            {
                var next = enumerator.MoveNextAsync().AsTask();
                if (batch.Count > 0 && !next.IsCompleted && !await ArrivesWithinLingerAsync(next, cancellationToken))
                {
                    Flush();
                }

                if (!await next)
                {
                    break;
                }

                // A batch takes its slot before its first claim, so a cancelled wait never leaves a claim without a publish.
                if (!holdsSlot)
                {
                    await slots.WaitAsync(cancellationToken);
                    holdsSlot = true;
                }

                var activity = Telemetry.ActivitySource.StartActivity("ingest.submit");
                try
                {
                    var prepared = await AdmitAndPrepareAsync(enumerator.Current, cancellationToken);
                    if (prepared.Result is { } result)
                    {
                        Record(activity, result);
                        activity?.Dispose();
                        pending.Add(Task.FromResult(result));
                    }
                    else
                    {
                        var entry = new BatchEntry(prepared.Claimed!, BuildMessage(prepared.Claimed!), activity);
                        batch.Add(entry);
                        pending.Add(entry.Completion.Task);
                        // Every path settles the entry (published, failed or cancelled), so its admission is always given back.
                        _ = entry.Completion.Task.ContinueWith(static (_, state) => ((IngestAdmission)state!).Release(), admission,
                            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
                    }
                }
                catch
                {
                    activity?.Dispose();
                    throw;
                }
                finally
                {
                    // The article's activity stays open until its batch is published; the next article must not nest under it.
                    Activity.Current = parentActivity;
                }

                if (batch.Count >= _publishBatchSize)
                {
                    Flush();
                }
            }

            Flush();
        }
        catch
        {
            // The open batch was never handed to the broker: give its claims back. Then let the batches in flight finish
            // (and release their claims when they fail) before giving up.
            foreach (var entry in batch)
            {
                await ReleaseAsync(entry.Claimed.Claim, entry.Claimed.NearDuplicate, entry.Claimed.Article.Id);
                entry.Activity?.Dispose();
                entry.Completion.TrySetCanceled(CancellationToken.None);
            }

            batch.Clear();
            try
            {
                await Task.WhenAll(pending);
            }
            catch (Exception)
            {
                // Their outcome is lost with the stream; the first failure is the one to report.
            }

            throw;
        }
        finally
        {
            await enumerator.DisposeAsync();
        }

        return await Task.WhenAll(pending);

        void Flush()
        {
            if (batch.Count == 0)
            {
                return;
            }

            var entries = batch.ToArray();
            batch.Clear();
            holdsSlot = false;
            _ = PublishBatchInSlotAsync(entries, slots, parentActivity, cancellationToken);
        }
    }

    private async Task<bool> ArrivesWithinLingerAsync(Task<bool> next, CancellationToken cancellationToken)
    {
        // Wall-clock, not the injected TimeProvider: the linger is a transport timer, not a domain time.
        using var lingerCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var linger = Task.Delay(_publishLinger, lingerCancellation.Token);
        var first = await Task.WhenAny(next, linger);
        await lingerCancellation.CancelAsync();
        return first == next;
    }

    /// <summary>Publishes one batch and completes each article's result; never throws (failures go to the results).</summary>
    private async Task PublishBatchInSlotAsync(BatchEntry[] batch, SemaphoreSlim slots, Activity? parentActivity, CancellationToken cancellationToken)
    {
        Activity.Current = parentActivity;
        Exception? failure = null;
        var cancelled = false;
        using (var activity = StartBatchActivity(batch))
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_publishTimeout);
                await publishEndpoint.Publish(new ArticleBatchIngested { Articles = batch.Select(e => e.Message).ToArray() }, timeout.Token);
                await MarkPublishedAsync(batch.Select(e => e.Claimed.Claim).ToArray());
            }
            catch (Exception ex)
            {
                failure = ex;
                cancelled = ex is OperationCanceledException && cancellationToken.IsCancellationRequested;
                activity?.SetStatus(ActivityStatusCode.Error, ex.Message);
                LogBatchPublishFailed(ex, batch.Length, batch[0].Message.ArticleId);
                await Task.WhenAll(batch.Select(e => ReleaseAsync(e.Claimed.Claim, e.Claimed.NearDuplicate, e.Claimed.Article.Id)));
            }
        }

        // The slot is given back before the results, which SubmitManyAsync awaits before disposing the semaphore.
        slots.Release();
        foreach (var entry in batch)
        {
            if (cancelled)
            {
                entry.Activity?.Dispose();
                entry.Completion.TrySetCanceled(cancellationToken);
                continue;
            }

            var result = failure is null
                ? Accepted(entry.Claimed)
                : SubmissionResult.Rejected(
                    new IngestError(StatusCode.Unavailable, "article", "could not be published to the message broker; retry the article"), entry.Claimed.Article.Id);
            Record(entry.Activity, result);
            entry.Activity?.Dispose();
            entry.Completion.TrySetResult(result);
        }
    }

    private static Activity? StartBatchActivity(BatchEntry[] batch)
    {
        if (!Telemetry.ActivitySource.HasListeners())
        {
            return null;
        }

        var links = batch.Where(e => e.Activity is not null).Select(e => new ActivityLink(e.Activity!.Context));
        var activity = Telemetry.ActivitySource.StartActivity("ingest.publish-batch", ActivityKind.Internal, default(ActivityContext), links: links);
        activity?.SetTag("nm.batch.size", batch.Length);
        return activity;
    }

    /// <summary>
    /// <see cref="PrepareAsync"/> within the backpressure bounds: a refused article is answered RESOURCE_EXHAUSTED
    /// before anything is claimed. An article that comes back claimed keeps its admission until its batch settles.
    /// </summary>
    private async Task<Prepared> AdmitAndPrepareAsync(Article? article, CancellationToken cancellationToken)
    {
        if (admission.TryAdmit() is { } refused)
        {
            return new Prepared(SubmissionResult.Rejected(refused, IdOf(article)), null);
        }

        Prepared prepared;
        try
        {
            prepared = await PrepareAsync(article, cancellationToken);
        }
        catch
        {
            admission.Release();
            throw;
        }

        if (prepared.Result is not null)
        {
            admission.Release();
        }

        return prepared;
    }

    private static string? IdOf(Article? article) => article?.Id is { Length: > 0 } id ? id : null;

    private async Task<Prepared> PrepareAsync(Article? article, CancellationToken cancellationToken)
    {
        SourceRecord? source;
        try
        {
            source = article is { SourceId.Length: > 0 } && SourceValidator.IsValidId(article.SourceId)
                ? await sources.GetAsync(article.SourceId, cancellationToken)
                : null;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The store is down or still loading: the article is not refused, it is to be retried.
            LogStoreUnavailable(ex, article?.Id ?? "");
            return new Prepared(SubmissionResult.Rejected(
                new IngestError(StatusCode.Unavailable, "article", "the source registry is unavailable; retry the article"), article?.Id is { Length: > 0 } id ? id : null), null);
        }

        var validated = validator.Validate(article, source);
        if (validated.Error is { } error)
        {
            LogRejected(article?.SourceId, error.Field, error.Reason);
            return new Prepared(SubmissionResult.Rejected(error, article?.Id is { Length: > 0 } id ? id : null), null);
        }

        var normalized = validated.Value!;
        Activity.Current?.SetTag("nm.article.id", normalized.Id);
        Activity.Current?.SetTag("nm.source.id", normalized.SourceId);
        var claim = new DeduplicationClaim(normalized.Id, normalized.SourceId, normalized.Url, normalized.ContentHash);
        if (!inFlight.TryAdd(normalized.Id))
        {
            // Being published by this process right now (e.g. twice in one stream): its pending claim is not abandoned.
            LogDuplicate(normalized.Id, normalized.Id);
            return new Prepared(new SubmissionResult(IngestOutcome.Duplicate, normalized.Id, normalized.Id), null);
        }

        DeduplicationResult deduplication;
        try
        {
            deduplication = await deduplicator.TryClaimAsync(claim, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            inFlight.Remove(normalized.Id);
            LogStoreUnavailable(ex, normalized.Id);
            return new Prepared(SubmissionResult.Rejected(
                new IngestError(StatusCode.Unavailable, "article", "the de-duplication store is unavailable; retry the article"), normalized.Id), null);
        }
        catch
        {
            inFlight.Remove(normalized.Id);
            throw;
        }

        if (deduplication.DuplicateOf is { } duplicateOf)
        {
            inFlight.Remove(normalized.Id);
            LogDuplicate(normalized.Id, duplicateOf);
            return new Prepared(new SubmissionResult(IngestOutcome.Duplicate, normalized.Id, duplicateOf), null);
        }

        // A near-duplicate is still accepted: it is linked to its original, so its confirmations count for the original's source.
        NearDuplicateResult nearDuplicate;
        try
        {
            nearDuplicate = await nearDuplicates.FindAndIndexAsync(normalized, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogStoreUnavailable(ex, normalized.Id);
            await ReleaseAsync(claim, NearDuplicateResult.NotIndexed, normalized.Id);
            return new Prepared(SubmissionResult.Rejected(
                new IngestError(StatusCode.Unavailable, "article", "the de-duplication store is unavailable; retry the article"), normalized.Id), null);
        }
        catch
        {
            await ReleaseAsync(claim, NearDuplicateResult.NotIndexed, normalized.Id);
            throw;
        }

        if (nearDuplicate.Match is { } original)
        {
            LogNearDuplicate(normalized.Id, original.ArticleId, original.SourceId, original.Similarity);
        }

        return new Prepared(null, new ClaimedArticle(normalized, claim, nearDuplicate));
    }

    private ArticleIngested BuildMessage(ClaimedArticle claimed)
    {
        var article = claimed.Article;
        var detected = LanguageDetector.Detect(article.Title, article.Body);
        var original = claimed.NearDuplicate.Match;
        return new ArticleIngested
        {
            ArticleId = article.Id,
            SourceId = article.SourceId,
            SourceKind = article.SourceKind,
            Url = article.Url,
            PublishedAt = article.PublishedAt,
            Title = article.Title,
            Body = article.Body,
            Language = article.Language,
            ContentHash = article.ContentHash,
            IngestedAt = timeProvider.GetUtcNow(),
            DetectedLanguage = detected?.Language,
            LanguageConfidence = detected?.Confidence,
            NearDuplicateOf = original?.ArticleId,
            NearDuplicateOfSourceId = original?.SourceId,
            NearDuplicateOfSourceKind = original?.SourceKind,
            NearDuplicateSimilarity = original?.Similarity,
            SourceName = article.SourceName,
        };
    }

    private async Task<SubmissionResult> PublishAsync(ClaimedArticle claimed, CancellationToken cancellationToken)
    {
        var article = claimed.Article;
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_publishTimeout);
            await publishEndpoint.Publish(BuildMessage(claimed), timeout.Token);
            await MarkPublishedAsync([claimed.Claim]);
        }
        catch (Exception ex)
        {
            LogPublishFailed(ex, article.Id);
            await ReleaseAsync(claimed.Claim, claimed.NearDuplicate, article.Id);

            if (ex is OperationCanceledException && cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            return SubmissionResult.Rejected(
                new IngestError(StatusCode.Unavailable, "article", "could not be published to the message broker; retry the article"), article.Id);
        }

        return Accepted(claimed);
    }

    private SubmissionResult Accepted(ClaimedArticle claimed)
    {
        LogAccepted(claimed.Article.Id, claimed.Article.SourceId);
        return new SubmissionResult(IngestOutcome.Accepted, claimed.Article.Id, NearDuplicateOf: claimed.NearDuplicate.Match?.ArticleId);
    }

    private async Task MarkPublishedAsync(DeduplicationClaim[] claims)
    {
        try
        {
            await deduplicator.MarkPublishedAsync(claims, CancellationToken.None);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            // The claims stay pending: a retry of these articles is published again, which the consumers absorb.
            LogMarkPublishedFailed(ex, claims.Length, claims[0].ArticleId);
        }
        finally
        {
            foreach (var claim in claims)
            {
                inFlight.Remove(claim.ArticleId);
            }
        }
    }

    private async Task ReleaseAsync(DeduplicationClaim claim, NearDuplicateResult nearDuplicate, string articleId)
    {
        try
        {
            await nearDuplicates.RemoveAsync(nearDuplicate, CancellationToken.None);
            await deduplicator.ReleaseAsync(claim, CancellationToken.None);
        }
        catch (Exception releaseError)
        {
            // The claim stays pending: a retry of the same article takes it again; another article with its URL or text is refused.
            LogReleaseFailed(releaseError, articleId);
        }
        finally
        {
            inFlight.Remove(articleId);
        }
    }

    private static void Record(Activity? activity, SubmissionResult result)
    {
        activity?.SetTag("nm.article.id", result.ArticleId);
        activity?.SetTag("nm.ingest.outcome", result.Outcome.ToString());
        switch (result.Outcome)
        {
            case IngestOutcome.Accepted:
                AcceptedCounter.Add(1);
                break;
            case IngestOutcome.Duplicate:
                DuplicateCounter.Add(1);
                break;
            default:
                RejectedCounter.Add(1, new KeyValuePair<string, object?>("nm.ingest.field", result.Error?.Field));
                activity?.SetStatus(ActivityStatusCode.Error, result.Error?.Message);
                break;
        }
    }

    [LoggerMessage(LogLevel.Debug, "Accepted {ArticleId} from {SourceId}")]
    private partial void LogAccepted(string articleId, string sourceId);

    [LoggerMessage(LogLevel.Debug, "{ArticleId} is a duplicate of {DuplicateOf}")]
    private partial void LogDuplicate(string articleId, string duplicateOf);

    [LoggerMessage(LogLevel.Debug, "{ArticleId} is a near-duplicate of {OriginalArticleId} from {OriginalSourceId} (similarity {Similarity})")]
    private partial void LogNearDuplicate(string articleId, string originalArticleId, string originalSourceId, double similarity);

    [LoggerMessage(LogLevel.Debug, "Rejected an article from {SourceId}: {Field} {Reason}")]
    private partial void LogRejected(string? sourceId, string field, string reason);

    [LoggerMessage(LogLevel.Warning, "Publishing {ArticleId} failed; its de-duplication claim is released")]
    private partial void LogPublishFailed(Exception exception, string articleId);

    [LoggerMessage(LogLevel.Warning, "Marking {ArticleCount} articles from {FirstArticleId} published failed; a retry of them is published again")]
    private partial void LogMarkPublishedFailed(Exception exception, int articleCount, string firstArticleId);

    [LoggerMessage(LogLevel.Warning, "Releasing the de-duplication claim of unpublished {ArticleId} failed; it stays pending, so a retry of the same article is taken")]
    private partial void LogReleaseFailed(Exception exception, string articleId);

    [LoggerMessage(LogLevel.Warning, "The de-duplication store did not answer for {ArticleId}")]
    private partial void LogStoreUnavailable(Exception exception, string articleId);

    [LoggerMessage(LogLevel.Warning, "Publishing a batch of {ArticleCount} articles from {FirstArticleId} failed; their de-duplication claims are released")]
    private partial void LogBatchPublishFailed(Exception exception, int articleCount, string firstArticleId);

    private sealed record BatchEntry(ClaimedArticle Claimed, ArticleIngested Message, Activity? Activity)
    {
        public TaskCompletionSource<SubmissionResult> Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private sealed record ClaimedArticle(NormalizedArticle Article, DeduplicationClaim Claim, NearDuplicateResult NearDuplicate);

    private readonly record struct Prepared(SubmissionResult? Result, ClaimedArticle? Claimed);
}
