using System.Security.Cryptography;
using StackExchange.Redis;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>
/// Per-feed leases, so that of several replicas only one polls a feed at a time. A lease ends when released by its
/// token or when its duration runs out (a replica that died cannot block a feed for longer).
/// </summary>
public interface IFeedLeases
{
    /// <summary>The lease's token, or null when another holder has the feed.</summary>
    Task<string?> TryAcquireAsync(string feedId, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Releases the lease if <paramref name="token"/> still holds it; a lease that expired and was taken by another is left alone.</summary>
    Task ReleaseAsync(string feedId, string token, CancellationToken cancellationToken = default);
}

public sealed class InMemoryFeedLeases(TimeProvider timeProvider) : IFeedLeases
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Token, DateTimeOffset Expires)> _leases = new(StringComparer.Ordinal);

    public Task<string?> TryAcquireAsync(string feedId, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (_leases.TryGetValue(feedId, out var held) && held.Expires > now)
            {
                return Task.FromResult<string?>(null);
            }

            var token = NewToken();
            _leases[feedId] = (token, now + duration);
            return Task.FromResult<string?>(token);
        }
    }

    public Task ReleaseAsync(string feedId, string token, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_leases.TryGetValue(feedId, out var held) && held.Token == token)
            {
                _leases.Remove(feedId);
            }
        }

        return Task.CompletedTask;
    }

    internal static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

/// <summary>
/// Keys (after the storage key prefix):
///   ing:feedlease:{feed id}   string: the holder's random token, with the lease's duration as its TTL (SET NX PX)
/// Release is a compare-and-delete script, so a replica whose lease expired cannot delete its successor's.
/// Lease expiry runs on Redis's clock, not the injected TimeProvider.
/// </summary>
public sealed class RedisFeedLeases(IDatabase database) : IFeedLeases
{
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    public async Task<string?> TryAcquireAsync(string feedId, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var token = InMemoryFeedLeases.NewToken();
        var acquired = await database.StringSetAsync(LeaseKey(feedId), token, duration, When.NotExists);
        return acquired ? token : null;
    }

    public Task ReleaseAsync(string feedId, string token, CancellationToken cancellationToken = default) =>
        database.ScriptEvaluateAsync(ReleaseScript, [LeaseKey(feedId)], [token]);

    private static RedisKey LeaseKey(string feedId) => "ing:feedlease:" + feedId;
}
