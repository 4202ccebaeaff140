using Google.Protobuf.WellKnownTypes;
using ProtoFeed = NarrativeMonitor.Protos.Ingest.V1.Feed;
using ProtoFeedHealth = NarrativeMonitor.Protos.Ingest.V1.FeedHealth;
using ProtoFeedKind = NarrativeMonitor.Protos.Ingest.V1.FeedKind;
using ProtoFeedState = NarrativeMonitor.Protos.Ingest.V1.FeedState;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>What a feed URL serves. <see cref="Auto"/>: RSS or Atom, whichever the document is.</summary>
public enum FeedKind
{
    Auto = 0,
    Rss = 1,
    Atom = 2,
    Telegram = 3,
}

public enum FeedState
{
    Active = 1,
    Paused = 2,
}

/// <summary>A registered feed. For Telegram, <see cref="Url"/> is https://t.me/s/{channel}.</summary>
public sealed record FeedRecord(string Id, string SourceId, string Url, FeedKind Kind, TimeSpan PollInterval, FeedState State, DateTimeOffset CreatedAt)
{
    /// <summary>The channel name of a Telegram feed (the last path segment of its URL). A method, so it is not serialized.</summary>
    public string TelegramChannel() => new Uri(Url).Segments[^1].Trim('/');

    public ProtoFeed ToProto() => new()
    {
        Id = Id,
        SourceId = SourceId,
        Url = Url,
        Kind = (ProtoFeedKind)Kind,
        PollInterval = Duration.FromTimeSpan(PollInterval),
        State = (ProtoFeedState)State,
        CreatedAt = Timestamp.FromDateTimeOffset(CreatedAt),
    };
}

/// <summary>
/// What the polls of one feed have left behind: health, counters and the conditional-GET validators. Written only by
/// the replica holding the feed's lease, so a read-modify-write of it is safe.
/// </summary>
public sealed record FeedPollState
{
    public static FeedPollState Empty { get; } = new();

    public DateTimeOffset? LastPolledAt { get; init; }
    public DateTimeOffset? LastSuccessAt { get; init; }
    public DateTimeOffset? LastErrorAt { get; init; }
    public string? LastError { get; init; }
    public int ConsecutiveFailures { get; init; }
    public long ItemsSeen { get; init; }
    public long ItemsAccepted { get; init; }
    public long ItemsDuplicate { get; init; }
    public long ItemsRejected { get; init; }
    public long NotModifiedPolls { get; init; }
    public FeedKind DetectedKind { get; init; }

    /// <summary>The ETag of the last full response, sent back as If-None-Match.</summary>
    public string? ETag { get; init; }

    /// <summary>The Last-Modified of the last full response, sent back verbatim as If-Modified-Since.</summary>
    public string? LastModified { get; init; }
}

/// <summary>A feed with its poll state and, while it is active, when it is next due.</summary>
public sealed record FeedSnapshot(FeedRecord Feed, FeedPollState Poll, DateTimeOffset? DueAt)
{
    public ProtoFeedHealth ToHealth()
    {
        var health = new ProtoFeedHealth
        {
            FeedId = Feed.Id,
            SourceId = Feed.SourceId,
            State = (ProtoFeedState)Feed.State,
            LastError = Poll.LastError ?? "",
            ConsecutiveFailures = Poll.ConsecutiveFailures,
            ItemsSeen = Poll.ItemsSeen,
            ItemsAccepted = Poll.ItemsAccepted,
            ItemsDuplicate = Poll.ItemsDuplicate,
            ItemsRejected = Poll.ItemsRejected,
            DetectedKind = (ProtoFeedKind)Poll.DetectedKind,
            NotModifiedPolls = Poll.NotModifiedPolls,
        };
        if (Poll.LastPolledAt is { } polled)
        {
            health.LastPolledAt = Timestamp.FromDateTimeOffset(polled);
        }

        if (Poll.LastSuccessAt is { } success)
        {
            health.LastSuccessAt = Timestamp.FromDateTimeOffset(success);
        }

        if (Poll.LastErrorAt is { } error)
        {
            health.LastErrorAt = Timestamp.FromDateTimeOffset(error);
        }

        if (Feed.State == FeedState.Active && DueAt is { } due)
        {
            health.NextPollAt = Timestamp.FromDateTimeOffset(due);
        }

        return health;
    }
}
