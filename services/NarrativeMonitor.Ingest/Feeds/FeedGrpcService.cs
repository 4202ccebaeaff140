using Grpc.Core;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Ingest.Feeds;

public sealed partial class FeedGrpcService(
    IFeedStore store,
    SourceRegistry sources,
    TimeProvider timeProvider,
    IOptions<FeedOptions> options,
    ILogger<FeedGrpcService> logger) : FeedService.FeedServiceBase
{
    public override async Task<Feed> AddFeed(AddFeedRequest request, ServerCallContext context)
    {
        var cancellationToken = context.CancellationToken;
        var source = request.Feed is { SourceId.Length: > 0 } requested && SourceValidator.IsValidId(requested.SourceId)
            ? await sources.GetAsync(requested.SourceId, cancellationToken)
            : null;
        var now = timeProvider.GetUtcNow();
        var validated = FeedValidator.Validate(request.Feed, source, options.Value, now);
        if (validated.Error is { } error)
        {
            throw error.ToRpcException();
        }

        var feed = validated.Value!;
        var existing = (await store.ListAsync(feed.SourceId, cancellationToken)).FirstOrDefault(f => f.Feed.Url == feed.Url);
        if (existing is not null)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"feed.url: already registered for source '{feed.SourceId}' as feed '{existing.Feed.Id}'"));
        }

        if (!await store.TryAddAsync(feed, now, cancellationToken))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"feed.id: feed '{feed.Id}' already exists"));
        }

        LogAdded(feed.Id, feed.SourceId, feed.Url, feed.Kind);
        return feed.ToProto();
    }

    public override async Task<ListFeedsResponse> ListFeeds(ListFeedsRequest request, ServerCallContext context)
    {
        var response = new ListFeedsResponse();
        foreach (var snapshot in await store.ListAsync(SourceFilter(request.SourceId), context.CancellationToken))
        {
            response.Feeds.Add(snapshot.Feed.ToProto());
        }

        return response;
    }

    public override Task<Feed> PauseFeed(PauseFeedRequest request, ServerCallContext context) =>
        SetStateAsync(request.FeedId, FeedState.Paused, context.CancellationToken);

    public override Task<Feed> ResumeFeed(ResumeFeedRequest request, ServerCallContext context) =>
        SetStateAsync(request.FeedId, FeedState.Active, context.CancellationToken);

    public override async Task<RemoveFeedResponse> RemoveFeed(RemoveFeedRequest request, ServerCallContext context)
    {
        RequireFeedId(request.FeedId);
        if (!await store.RemoveAsync(request.FeedId, context.CancellationToken))
        {
            throw NotFound(request.FeedId);
        }

        LogRemoved(request.FeedId);
        return new RemoveFeedResponse();
    }

    public override async Task<FeedHealth> GetFeedHealth(GetFeedHealthRequest request, ServerCallContext context)
    {
        RequireFeedId(request.FeedId);
        var snapshot = await store.GetAsync(request.FeedId, context.CancellationToken) ?? throw NotFound(request.FeedId);
        return snapshot.ToHealth();
    }

    public override async Task<ListFeedHealthResponse> ListFeedHealth(ListFeedHealthRequest request, ServerCallContext context)
    {
        var response = new ListFeedHealthResponse();
        foreach (var snapshot in await store.ListAsync(SourceFilter(request.SourceId), context.CancellationToken))
        {
            response.Feeds.Add(snapshot.ToHealth());
        }

        return response;
    }

    private async Task<Feed> SetStateAsync(string feedId, FeedState state, CancellationToken cancellationToken)
    {
        RequireFeedId(feedId);
        var feed = await store.SetStateAsync(feedId, state, timeProvider.GetUtcNow(), cancellationToken) ?? throw NotFound(feedId);
        LogStateChanged(feedId, state);
        return feed.ToProto();
    }

    private static string? SourceFilter(string sourceId)
    {
        if (sourceId.Length == 0)
        {
            return null;
        }

        return SourceValidator.IsValidId(sourceId)
            ? sourceId
            : throw new RpcException(new Status(StatusCode.InvalidArgument, "source_id: must be 1 to 64 letters, digits, '.', '_' or '-', or empty"));
    }

    private static void RequireFeedId(string feedId)
    {
        if (feedId.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "feed_id: is required"));
        }

        if (!SourceValidator.IsValidId(feedId))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "feed_id: must be 1 to 64 letters, digits, '.', '_' or '-'"));
        }
    }

    private static RpcException NotFound(string feedId) => new(new Status(StatusCode.NotFound, $"feed_id: no feed '{feedId}'"));

    [LoggerMessage(LogLevel.Information, "Added feed {FeedId} of {SourceId}: {Url} ({Kind})")]
    private partial void LogAdded(string feedId, string sourceId, string url, FeedKind kind);

    [LoggerMessage(LogLevel.Information, "Feed {FeedId} is now {State}")]
    private partial void LogStateChanged(string feedId, FeedState state);

    [LoggerMessage(LogLevel.Information, "Removed feed {FeedId}")]
    private partial void LogRemoved(string feedId);
}
