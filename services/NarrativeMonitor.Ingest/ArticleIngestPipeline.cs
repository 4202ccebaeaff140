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
    IPublishEndpoint publishEndpoint,
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

    public async Task<SubmissionResult> SubmitAsync(Article? article, CancellationToken cancellationToken = default)
    {
        using var activity = Telemetry.ActivitySource.StartActivity("ingest.submit");
        var prepared = await PrepareAsync(article, cancellationToken);
        var result = prepared.Result ?? await PublishAsync(prepared.Claimed!, cancellationToken);
        Record(activity, result);
        return result;
    }

    /// <summary>
    /// Submits every article of <paramref name="articles"/> and answers their results in the same order. Validation
    /// and de-duplication run one article at a time, so of two identical articles in a stream the first is accepted;
    /// up to <see cref="IngestOptions.MaxConcurrentPublishes"/> publishes are awaited at once.
    /// </summary>
    public async Task<IReadOnlyList<SubmissionResult>> SubmitManyAsync(IAsyncEnumerable<Article?> articles, CancellationToken cancellationToken = default)
    {
        var pending = new List<Task<SubmissionResult>>();
        using var slots = new SemaphoreSlim(_maxConcurrentPublishes);
        var parentActivity = Activity.Current;
        try
        {
            await foreach (var article in articles.WithCancellation(cancellationToken))
            {
                // The slot is taken before the claim, so a cancelled wait never leaves a claim without a publish.
                await slots.WaitAsync(cancellationToken);
                var activity = Telemetry.ActivitySource.StartActivity("ingest.submit");
                try
                {
                    var prepared = await PrepareAsync(article, cancellationToken);
                    if (prepared.Result is { } result)
                    {
                        Record(activity, result);
                        activity?.Dispose();
                        slots.Release();
                        pending.Add(Task.FromResult(result));
                    }
                    else
                    {
                        pending.Add(PublishInSlotAsync(prepared.Claimed!, activity, slots, cancellationToken));
                    }
                }
                catch
                {
                    activity?.Dispose();
                    slots.Release();
                    throw;
                }
                finally
                {
                    // The publish task carries the article's activity on; the next article must not nest under it.
                    Activity.Current = parentActivity;
                }
            }
        }
        catch
        {
            // Let the publishes in flight finish (and release their claims when they fail) before giving up.
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

        return await Task.WhenAll(pending);
    }

    private async Task<SubmissionResult> PublishInSlotAsync(ClaimedArticle claimed, Activity? activity, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        try
        {
            var result = await PublishAsync(claimed, cancellationToken);
            Record(activity, result);
            return result;
        }
        finally
        {
            activity?.Dispose();
            slots.Release();
        }
    }

    private async Task<Prepared> PrepareAsync(Article? article, CancellationToken cancellationToken)
    {
        var source = article is { SourceId.Length: > 0 } && SourceValidator.IsValidId(article.SourceId)
            ? await sources.GetAsync(article.SourceId, cancellationToken)
            : null;
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
        DeduplicationResult deduplication;
        try
        {
            deduplication = await deduplicator.TryClaimAsync(claim, cancellationToken);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            LogStoreUnavailable(ex, normalized.Id);
            return new Prepared(SubmissionResult.Rejected(
                new IngestError(StatusCode.Unavailable, "article", "the de-duplication store is unavailable; retry the article"), normalized.Id), null);
        }

        if (deduplication.DuplicateOf is { } duplicateOf)
        {
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

        if (nearDuplicate.Match is { } original)
        {
            LogNearDuplicate(normalized.Id, original.ArticleId, original.SourceId, original.Similarity);
        }

        return new Prepared(null, new ClaimedArticle(normalized, claim, nearDuplicate));
    }

    private async Task<SubmissionResult> PublishAsync(ClaimedArticle claimed, CancellationToken cancellationToken)
    {
        var article = claimed.Article;
        var detected = LanguageDetector.Detect(article.Title, article.Body);
        var original = claimed.NearDuplicate.Match;
        var message = new ArticleIngested
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
        };

        try
        {
            await publishEndpoint.Publish(message, cancellationToken);
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

        LogAccepted(article.Id, article.SourceId);
        return new SubmissionResult(IngestOutcome.Accepted, article.Id, NearDuplicateOf: original?.ArticleId);
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
            // The article stays claimed but unpublished: a retry will be answered DUPLICATE. Rare and loud.
            LogReleaseFailed(releaseError, articleId);
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

    [LoggerMessage(LogLevel.Error, "Releasing the de-duplication claim of unpublished {ArticleId} failed; a retry will be answered DUPLICATE")]
    private partial void LogReleaseFailed(Exception exception, string articleId);

    [LoggerMessage(LogLevel.Warning, "The de-duplication store did not answer for {ArticleId}")]
    private partial void LogStoreUnavailable(Exception exception, string articleId);

    private sealed record ClaimedArticle(NormalizedArticle Article, DeduplicationClaim Claim, NearDuplicateResult NearDuplicate);

    private readonly record struct Prepared(SubmissionResult? Result, ClaimedArticle? Claimed);
}
