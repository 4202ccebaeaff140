using System.Text.Json;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>
/// The registered feeds, their poll state, their schedule (the due time of every active feed) and the item keys each
/// feed has yielded. Shared by every replica.
/// </summary>
public interface IFeedStore
{
    /// <summary>Registers <paramref name="feed"/> unless its id is taken; an active feed becomes due at <paramref name="dueAt"/>.</summary>
    Task<bool> TryAddAsync(FeedRecord feed, DateTimeOffset dueAt, CancellationToken cancellationToken = default);

    Task<FeedSnapshot?> GetAsync(string feedId, CancellationToken cancellationToken = default);

    /// <summary>Every feed (of <paramref name="sourceId"/> unless it is null), ordered by id (ordinal).</summary>
    Task<IReadOnlyList<FeedSnapshot>> ListAsync(string? sourceId = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Pauses (unschedules) or resumes a feed. A resumed feed that was paused becomes due at <paramref name="now"/>;
    /// resuming an active feed keeps its due time. Null when there is no such feed.
    /// </summary>
    Task<FeedRecord?> SetStateAsync(string feedId, FeedState state, DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Removes the feed, its poll state, its schedule and its seen items. False when there was no such feed.</summary>
    Task<bool> RemoveAsync(string feedId, CancellationToken cancellationToken = default);

    /// <summary>Ids of active feeds due at or before <paramref name="now"/>, earliest first, at most <paramref name="max"/>.</summary>
    Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores the outcome of a poll and, when the feed is still active, schedules it at <paramref name="nextDueAt"/>.
    /// Does nothing (and answers false) when the feed was removed meanwhile; a feed paused meanwhile stays unscheduled.
    /// </summary>
    Task<bool> SavePollAsync(string feedId, FeedPollState state, DateTimeOffset nextDueAt, CancellationToken cancellationToken = default);

    /// <summary>Of <paramref name="itemKeys"/>, those the feed has not yielded before (see <see cref="MarkSeenAsync"/>).</summary>
    Task<IReadOnlySet<string>> UnseenAsync(string feedId, IReadOnlyCollection<string> itemKeys, CancellationToken cancellationToken = default);

    /// <summary>Remembers <paramref name="itemKeys"/> for the feed, keeping only the <paramref name="keep"/> most recently marked keys.</summary>
    Task MarkSeenAsync(string feedId, IReadOnlyCollection<string> itemKeys, DateTimeOffset at, int keep, CancellationToken cancellationToken = default);
}

public sealed class InMemoryFeedStore : IFeedStore
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, FeedRecord> _feeds = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FeedPollState> _polls = new(StringComparer.Ordinal);
    private readonly Dictionary<string, DateTimeOffset> _due = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, DateTimeOffset>> _seen = new(StringComparer.Ordinal);

    public Task<bool> TryAddAsync(FeedRecord feed, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_feeds.TryAdd(feed.Id, feed))
            {
                return Task.FromResult(false);
            }

            if (feed.State == FeedState.Active)
            {
                _due[feed.Id] = dueAt;
            }

            return Task.FromResult(true);
        }
    }

    public Task<FeedSnapshot?> GetAsync(string feedId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(Snapshot(feedId));
        }
    }

    public Task<IReadOnlyList<FeedSnapshot>> ListAsync(string? sourceId = null, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<FeedSnapshot> feeds = _feeds.Values
                .Where(f => sourceId is null || f.SourceId == sourceId)
                .OrderBy(f => f.Id, StringComparer.Ordinal)
                .Select(f => Snapshot(f.Id)!)
                .ToList();
            return Task.FromResult(feeds);
        }
    }

    public Task<FeedRecord?> SetStateAsync(string feedId, FeedState state, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_feeds.TryGetValue(feedId, out var feed))
            {
                return Task.FromResult<FeedRecord?>(null);
            }

            feed = feed with { State = state };
            _feeds[feedId] = feed;
            if (state == FeedState.Active)
            {
                _due.TryAdd(feedId, now);
            }
            else
            {
                _due.Remove(feedId);
            }

            return Task.FromResult<FeedRecord?>(feed);
        }
    }

    public Task<bool> RemoveAsync(string feedId, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _polls.Remove(feedId);
            _due.Remove(feedId);
            _seen.Remove(feedId);
            return Task.FromResult(_feeds.Remove(feedId));
        }
    }

    public Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<string> due = _due
                .Where(entry => entry.Value <= now)
                .OrderBy(entry => entry.Value)
                .ThenBy(entry => entry.Key, StringComparer.Ordinal)
                .Take(max)
                .Select(entry => entry.Key)
                .ToList();
            return Task.FromResult(due);
        }
    }

    public Task<bool> SavePollAsync(string feedId, FeedPollState state, DateTimeOffset nextDueAt, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_feeds.ContainsKey(feedId))
            {
                return Task.FromResult(false);
            }

            _polls[feedId] = state;
            if (_due.ContainsKey(feedId))
            {
                _due[feedId] = nextDueAt;
            }

            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlySet<string>> UnseenAsync(string feedId, IReadOnlyCollection<string> itemKeys, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            var seen = _seen.GetValueOrDefault(feedId);
            IReadOnlySet<string> unseen = itemKeys.Where(key => seen is null || !seen.ContainsKey(key)).ToHashSet(StringComparer.Ordinal);
            return Task.FromResult(unseen);
        }
    }

    public Task MarkSeenAsync(string feedId, IReadOnlyCollection<string> itemKeys, DateTimeOffset at, int keep, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_seen.TryGetValue(feedId, out var seen))
            {
                _seen[feedId] = seen = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
            }

            foreach (var key in itemKeys)
            {
                seen.TryAdd(key, at);
            }

            if (seen.Count > keep)
            {
                // Same order as the Redis sorted set: by time marked, then by member (Redis breaks score ties lexically).
                foreach (var oldest in seen.OrderBy(e => e.Value).ThenBy(e => e.Key, StringComparer.Ordinal).Take(seen.Count - keep).Select(e => e.Key).ToList())
                {
                    seen.Remove(oldest);
                }
            }

            return Task.CompletedTask;
        }
    }

    private FeedSnapshot? Snapshot(string feedId) =>
        _feeds.TryGetValue(feedId, out var feed)
            ? new FeedSnapshot(feed, _polls.GetValueOrDefault(feedId) ?? FeedPollState.Empty, _due.TryGetValue(feedId, out var due) ? due : null)
            : null;
}

/// <summary>
/// Keys (after the storage key prefix):
///   ing:feeds            hash: feed id -> the feed as JSON
///   ing:feedpoll         hash: feed id -> its poll state as JSON
///   ing:feeddue          sorted set: id of every active feed, scored by its due time (Unix ms)
///   ing:feedseen:{id}    sorted set: item keys the feed has yielded, scored by when they were first seen (Unix ms)
/// Every write that touches more than one key is a Lua script, so a pause, a removal and a poll's save never
/// interleave into a feed that is scheduled but paused, or a poll state without a feed.
/// </summary>
public sealed class RedisFeedStore(IDatabase database) : IFeedStore
{
    private static readonly RedisKey FeedsKey = "ing:feeds";
    private static readonly RedisKey PollKey = "ing:feedpoll";
    private static readonly RedisKey DueKey = "ing:feeddue";

    // KEYS: feeds, due. ARGV: id, feed JSON, 1 to schedule, due ms.
    private const string AddScript = """
        if redis.call('HSETNX', KEYS[1], ARGV[1], ARGV[2]) == 0 then return 0 end
        if ARGV[3] == '1' then redis.call('ZADD', KEYS[2], ARGV[4], ARGV[1]) end
        return 1
        """;

    // KEYS: feeds, due. ARGV: id, new feed JSON, 1 for active, now ms.
    private const string SetStateScript = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
        if ARGV[3] == '1' then redis.call('ZADD', KEYS[2], 'NX', ARGV[4], ARGV[1]) else redis.call('ZREM', KEYS[2], ARGV[1]) end
        return 1
        """;

    // KEYS: feeds, poll, due, seen. ARGV: id.
    private const string RemoveScript = """
        local removed = redis.call('HDEL', KEYS[1], ARGV[1])
        redis.call('HDEL', KEYS[2], ARGV[1])
        redis.call('ZREM', KEYS[3], ARGV[1])
        redis.call('DEL', KEYS[4])
        return removed
        """;

    // KEYS: feeds, poll, due. ARGV: id, poll JSON, next due ms.
    private const string SavePollScript = """
        if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 0 then return 0 end
        redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
        if redis.call('ZSCORE', KEYS[3], ARGV[1]) then redis.call('ZADD', KEYS[3], ARGV[3], ARGV[1]) end
        return 1
        """;

    public async Task<bool> TryAddAsync(FeedRecord feed, DateTimeOffset dueAt, CancellationToken cancellationToken = default)
    {
        var added = await database.ScriptEvaluateAsync(AddScript, [FeedsKey, DueKey],
            [feed.Id, JsonSerializer.Serialize(feed), feed.State == FeedState.Active ? "1" : "0", dueAt.ToUnixTimeMilliseconds()]);
        return (long)added == 1;
    }

    public async Task<FeedSnapshot?> GetAsync(string feedId, CancellationToken cancellationToken = default)
    {
        var feedTask = database.HashGetAsync(FeedsKey, feedId);
        var pollTask = database.HashGetAsync(PollKey, feedId);
        var dueTask = database.SortedSetScoreAsync(DueKey, feedId);
        var json = await feedTask;
        if (json.IsNullOrEmpty)
        {
            return null;
        }

        return new FeedSnapshot(Deserialize<FeedRecord>(json), DeserializePoll(await pollTask), ToTime(await dueTask));
    }

    public async Task<IReadOnlyList<FeedSnapshot>> ListAsync(string? sourceId = null, CancellationToken cancellationToken = default)
    {
        var feedsTask = database.HashGetAllAsync(FeedsKey);
        var pollsTask = database.HashGetAllAsync(PollKey);
        var dueTask = database.SortedSetRangeByRankWithScoresAsync(DueKey);
        var polls = (await pollsTask).ToDictionary(e => e.Name.ToString(), e => e.Value, StringComparer.Ordinal);
        var due = (await dueTask).ToDictionary(e => e.Element.ToString(), e => e.Score, StringComparer.Ordinal);
        return (await feedsTask)
            .Select(e => Deserialize<FeedRecord>(e.Value))
            .Where(f => sourceId is null || f.SourceId == sourceId)
            .OrderBy(f => f.Id, StringComparer.Ordinal)
            .Select(f => new FeedSnapshot(
                f,
                DeserializePoll(polls.GetValueOrDefault(f.Id)),
                due.TryGetValue(f.Id, out var score) ? ToTime(score) : null))
            .ToList();
    }

    public async Task<FeedRecord?> SetStateAsync(string feedId, FeedState state, DateTimeOffset now, CancellationToken cancellationToken = default)
    {
        var json = await database.HashGetAsync(FeedsKey, feedId);
        if (json.IsNullOrEmpty)
        {
            return null;
        }

        // Only State changes, so a concurrent SetState computed from the same read writes a consistent record too.
        var feed = Deserialize<FeedRecord>(json) with { State = state };
        var updated = await database.ScriptEvaluateAsync(SetStateScript, [FeedsKey, DueKey],
            [feedId, JsonSerializer.Serialize(feed), state == FeedState.Active ? "1" : "0", now.ToUnixTimeMilliseconds()]);
        return (long)updated == 1 ? feed : null;
    }

    public async Task<bool> RemoveAsync(string feedId, CancellationToken cancellationToken = default)
    {
        var removed = await database.ScriptEvaluateAsync(RemoveScript, [FeedsKey, PollKey, DueKey, SeenKey(feedId)], [feedId]);
        return (long)removed == 1;
    }

    public async Task<IReadOnlyList<string>> DueAsync(DateTimeOffset now, int max, CancellationToken cancellationToken = default)
    {
        var ids = await database.SortedSetRangeByScoreAsync(DueKey, double.NegativeInfinity, now.ToUnixTimeMilliseconds(), take: max);
        return ids.Select(id => id.ToString()).ToList();
    }

    public async Task<bool> SavePollAsync(string feedId, FeedPollState state, DateTimeOffset nextDueAt, CancellationToken cancellationToken = default)
    {
        var saved = await database.ScriptEvaluateAsync(SavePollScript, [FeedsKey, PollKey, DueKey],
            [feedId, JsonSerializer.Serialize(state), nextDueAt.ToUnixTimeMilliseconds()]);
        return (long)saved == 1;
    }

    public async Task<IReadOnlySet<string>> UnseenAsync(string feedId, IReadOnlyCollection<string> itemKeys, CancellationToken cancellationToken = default)
    {
        if (itemKeys.Count == 0)
        {
            return new HashSet<string>();
        }

        var keys = itemKeys.ToArray();
        var scores = await database.SortedSetScoresAsync(SeenKey(feedId), keys.Select(k => (RedisValue)k).ToArray());
        var unseen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < keys.Length; i++)
        {
            if (scores[i] is null)
            {
                unseen.Add(keys[i]);
            }
        }

        return unseen;
    }

    public async Task MarkSeenAsync(string feedId, IReadOnlyCollection<string> itemKeys, DateTimeOffset at, int keep, CancellationToken cancellationToken = default)
    {
        if (itemKeys.Count == 0)
        {
            return;
        }

        var key = SeenKey(feedId);
        var score = at.ToUnixTimeMilliseconds();
        await database.SortedSetAddAsync(key, itemKeys.Select(k => new SortedSetEntry(k, score)).ToArray(), SortedSetWhen.NotExists);
        await database.SortedSetRemoveRangeByRankAsync(key, 0, -(keep + 1));
    }

    private static RedisKey SeenKey(string feedId) => "ing:feedseen:" + feedId;

    private static DateTimeOffset? ToTime(double? score) =>
        score is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds((long)ms) : null;

    private static FeedPollState DeserializePoll(RedisValue json) =>
        json.IsNullOrEmpty ? FeedPollState.Empty : Deserialize<FeedPollState>(json);

    private static T Deserialize<T>(RedisValue json) =>
        JsonSerializer.Deserialize<T>(json.ToString()) ?? throw new InvalidDataException($"A {typeof(T).Name} in Redis is stored as JSON null.");
}
