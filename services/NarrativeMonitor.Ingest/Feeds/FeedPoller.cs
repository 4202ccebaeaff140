using System.Diagnostics.Metrics;
using System.Security.Cryptography;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Options;
using NarrativeMonitor.ServiceDefaults;
using Article = NarrativeMonitor.Protos.Ingest.V1.Article;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>The outcome of one poll: the feed's new poll state and when it is next due.</summary>
public sealed record PollResult(FeedPollState State, DateTimeOffset NextDueAt, bool Succeeded);

/// <summary>
/// Polls one feed once: a conditional GET, the items read from the response, the linked page of items that carry only
/// a short summary, and every item the feed has not yielded before handed to <see cref="ArticleIngestPipeline"/>
/// exactly as a pushed article (the pipeline validates, de-duplicates and publishes it). Never throws for a failure of
/// the feed: that is recorded in the state and backs the feed off. Throws only when <c>cancellationToken</c> fires.
/// </summary>
public sealed partial class FeedPoller(
    FeedHttpFetcher fetcher,
    IFeedStore store,
    IServiceScopeFactory scopeFactory,
    TimeProvider timeProvider,
    IOptions<FeedOptions> options,
    ILogger<FeedPoller> logger)
{
    private const string FeedAccept = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5";
    private const string PageAccept = "text/html, application/xhtml+xml;q=0.9, */*;q=0.5";

    private static readonly Counter<long> PollCounter =
        Telemetry.Meter.CreateCounter<long>("nm.ingest.feeds.polls", "{poll}", "Feed polls, by outcome (ok, not_modified, failed).");
    private static readonly Counter<long> ItemCounter =
        Telemetry.Meter.CreateCounter<long>("nm.ingest.feeds.items", "{item}", "New feed items handed to the ingest pipeline, by outcome.");

    private readonly FeedOptions _options = options.Value;

    /// <summary>Backoff after failures; replaceable so tests can fix the jitter.</summary>
    public JitteredBackoff Backoff { get; set; } = new(options.Value.BackoffBase, options.Value.BackoffMax);

    public async Task<PollResult> PollAsync(FeedRecord feed, FeedPollState state, CancellationToken cancellationToken)
    {
        using var activity = Telemetry.ActivitySource.StartActivity("feeds.poll");
        activity?.SetTag("nm.feed.id", feed.Id);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(_options.MaxPollDuration);
        try
        {
            return await PollOnceAsync(feed, state, deadline.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Failed(feed, state, new FeedPollException($"the poll took longer than {_options.MaxPollDuration.TotalSeconds:0.###} s"));
        }
        catch (FeedPollException ex)
        {
            return Failed(feed, state, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A parser or store fault must back the feed off like any failure, not retry it at every scheduler tick.
            LogPollCrashed(ex, feed.Id);
            return Failed(feed, state, new FeedPollException($"unexpected {ex.GetType().Name}: {ex.Message}", inner: ex));
        }
    }

    private async Task<PollResult> PollOnceAsync(FeedRecord feed, FeedPollState state, CancellationToken cancellationToken)
    {
        var url = feed.Kind == FeedKind.Telegram
            ? new Uri($"{_options.TelegramBaseUrl.TrimEnd('/')}/s/{Uri.EscapeDataString(feed.TelegramChannel())}")
            : new Uri(feed.Url);
        var fetchedAt = timeProvider.GetUtcNow();
        var response = await fetcher.FetchAsync(url, feed.Kind == FeedKind.Telegram ? PageAccept : FeedAccept, state.ETag, state.LastModified, cancellationToken);
        if (response.NotModified)
        {
            LogNotModified(feed.Id);
            PollCounter.Add(1, new KeyValuePair<string, object?>("outcome", "not_modified"));
            var now = timeProvider.GetUtcNow();
            return new PollResult(
                state with { LastPolledAt = now, LastSuccessAt = now, ConsecutiveFailures = 0, NotModifiedPolls = state.NotModifiedPolls + 1 },
                now + feed.PollInterval,
                true);
        }

        var (kind, items) = feed.Kind == FeedKind.Telegram
            ? (FeedKind.Telegram, TelegramPreviewParser.Parse(response.Body))
            : SyndicationReader.Read(response.Body, feed.Kind, response.FinalUrl);

        var keyed = items.Select(item => (Key: ItemKey(item), Item: item)).DistinctBy(entry => entry.Key).ToList();
        var unseen = await store.UnseenAsync(feed.Id, keyed.Select(entry => entry.Key).ToList(), cancellationToken);
        var fresh = keyed.Where(entry => unseen.Contains(entry.Key))
            .OrderBy(entry => entry.Item.PublishedAt ?? fetchedAt)
            .ToList();

        long accepted = 0, duplicate = 0, rejected = 0;
        var settled = new List<string>();
        string? unavailable = null;
        await using (var scope = scopeFactory.CreateAsyncScope())
        {
            var pipeline = scope.ServiceProvider.GetRequiredService<ArticleIngestPipeline>();
            foreach (var (key, item) in fresh)
            {
                var article = await ToArticleAsync(feed, item, fetchedAt, cancellationToken);
                var result = await pipeline.SubmitAsync(article, cancellationToken);
                switch (result.Outcome)
                {
                    case IngestOutcome.Accepted:
                        accepted++;
                        settled.Add(key);
                        break;
                    case IngestOutcome.Duplicate:
                        duplicate++;
                        settled.Add(key);
                        break;
                    case IngestOutcome.Rejected when result.Error?.Code is StatusCode.Unavailable or StatusCode.ResourceExhausted:
                        // Not settled: the item is tried again on the next poll.
                        unavailable ??= result.Error.Message;
                        break;
                    default:
                        rejected++;
                        settled.Add(key);
                        LogItemRejected(feed.Id, article.Url, result.Error?.Message);
                        break;
                }

                ItemCounter.Add(1, new KeyValuePair<string, object?>("outcome", result.Outcome.ToString().ToLowerInvariant()));
            }
        }

        await store.MarkSeenAsync(feed.Id, settled, fetchedAt, _options.SeenItemsPerFeed, cancellationToken);
        var counted = state with
        {
            ItemsSeen = state.ItemsSeen + settled.Count,
            ItemsAccepted = state.ItemsAccepted + accepted,
            ItemsDuplicate = state.ItemsDuplicate + duplicate,
            ItemsRejected = state.ItemsRejected + rejected,
            DetectedKind = kind,
        };
        LogPolled(feed.Id, items.Count, fresh.Count, accepted);
        if (unavailable is not null)
        {
            // The validators are not kept: the next poll must read the document again to retry the unsettled items.
            return Failed(feed, counted, new FeedPollException($"items could not be ingested and are retried: {unavailable}"));
        }

        PollCounter.Add(1, new KeyValuePair<string, object?>("outcome", "ok"));
        var finished = timeProvider.GetUtcNow();
        return new PollResult(
            counted with
            {
                LastPolledAt = finished,
                LastSuccessAt = finished,
                ConsecutiveFailures = 0,
                ETag = response.ETag,
                LastModified = response.LastModified,
            },
            finished + feed.PollInterval,
            true);
    }

    private async Task<Article> ToArticleAsync(FeedRecord feed, FeedItem item, DateTimeOffset fetchedAt, CancellationToken cancellationToken)
    {
        var title = item.Title;
        var body = item.ContentText;
        if (body is null)
        {
            var summary = item.SummaryText ?? "";
            body = summary;
            if (_options.FetchPages && summary.Length < _options.FullTextMinCharacters && item.Link is not null)
            {
                var page = await TryFetchPageAsync(feed, item.Link, cancellationToken);
                if (page is not null && page.Text.Length > summary.Length)
                {
                    body = page.Text;
                }

                if (title.Length == 0 && page is not null)
                {
                    title = page.Title;
                }
            }
        }

        return new Article
        {
            Id = ArticleId(feed.SourceId, item),
            SourceId = feed.SourceId,
            Url = item.Link ?? "",
            PublishedAt = Timestamp.FromDateTimeOffset(item.PublishedAt ?? fetchedAt),
            Title = title,
            Body = body,
        };
    }

    /// <summary>The page's extracted text, or null when it cannot be had: the item then keeps its summary.</summary>
    private async Task<ExtractedPage?> TryFetchPageAsync(FeedRecord feed, string link, CancellationToken cancellationToken)
    {
        try
        {
            var page = await fetcher.FetchAsync(new Uri(link), PageAccept, cancellationToken: cancellationToken);
            return page.NotModified ? null : ArticlePageExtractor.Extract(page.Body);
        }
        catch (FeedPollException ex)
        {
            LogPageFailed(feed.Id, link, ex.Message);
            return null;
        }
    }

    private PollResult Failed(FeedRecord feed, FeedPollState state, FeedPollException error)
    {
        var now = timeProvider.GetUtcNow();
        var failures = state.ConsecutiveFailures + 1;
        var delay = Backoff.Delay(failures, error.RetryAfter);
        LogPollFailed(feed.Id, failures, error.Message, delay);
        PollCounter.Add(1, new KeyValuePair<string, object?>("outcome", "failed"));
        return new PollResult(
            state with { LastPolledAt = now, LastErrorAt = now, LastError = error.Message, ConsecutiveFailures = failures },
            now + delay,
            false);
    }

    /// <summary>
    /// The item's article id: a Telegram post's own; for an item whose guid is not simply its link, one derived from
    /// source and guid (the guid stays put when a site changes its URLs); otherwise empty, so the pipeline derives
    /// it from source and URL as it does for a pushed article without an id.
    /// </summary>
    public static string ArticleId(string sourceId, FeedItem item)
    {
        if (item.ArticleId is { } id)
        {
            return id;
        }

        if (item.Guid is { } guid && guid != item.Link)
        {
            return "f-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sourceId + "\n" + guid)))[..IngestLimits.DerivedIdHexDigits];
        }

        return "";
    }

    /// <summary>What identifies the item within its feed, for remembering which items were already handed on.</summary>
    public static string ItemKey(FeedItem item)
    {
        var identity = item.Guid ?? item.Link ?? item.Title + "\n" + item.PublishedAt?.ToUnixTimeSeconds();
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identity)))[..24];
    }

    [LoggerMessage(LogLevel.Error, "Polling feed {FeedId} failed unexpectedly")]
    private partial void LogPollCrashed(Exception exception, string feedId);

    [LoggerMessage(LogLevel.Debug, "Feed {FeedId} not modified")]
    private partial void LogNotModified(string feedId);

    [LoggerMessage(LogLevel.Information, "Polled feed {FeedId}: {ItemCount} items, {NewCount} new, {AcceptedCount} accepted")]
    private partial void LogPolled(string feedId, int itemCount, int newCount, long acceptedCount);

    [LoggerMessage(LogLevel.Warning, "Polling feed {FeedId} failed ({ConsecutiveFailures} in a row): {Error}; next try in {Delay}")]
    private partial void LogPollFailed(string feedId, int consecutiveFailures, string error, TimeSpan delay);

    [LoggerMessage(LogLevel.Information, "Feed {FeedId}: page {Url} could not be fetched ({Error}); the item keeps its summary")]
    private partial void LogPageFailed(string feedId, string url, string error);

    [LoggerMessage(LogLevel.Debug, "Feed {FeedId}: item {Url} rejected: {Error}")]
    private partial void LogItemRejected(string feedId, string url, string? error);
}
