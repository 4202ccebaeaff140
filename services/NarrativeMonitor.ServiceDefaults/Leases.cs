using System.Security.Cryptography;
using StackExchange.Redis;

namespace NarrativeMonitor.ServiceDefaults;

/// <summary>
/// Named leases, so that of several replicas only one works on a thing at a time. A lease ends when released by its token
/// or when its duration runs out (a replica that died cannot block the thing for longer).
/// </summary>
public interface ILeases
{
    /// <summary>The lease's token, or null when another holder has it.</summary>
    Task<string?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default);

    /// <summary>Releases the lease if <paramref name="token"/> still holds it; a lease that expired and was taken by another is left alone.</summary>
    Task ReleaseAsync(string name, string token, CancellationToken cancellationToken = default);
}

public class InMemoryLeases(TimeProvider timeProvider) : ILeases
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, (string Token, DateTimeOffset Expires)> _leases = new(StringComparer.Ordinal);

    public Task<string?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        lock (_lock)
        {
            if (_leases.TryGetValue(name, out var held) && held.Expires > now)
            {
                return Task.FromResult<string?>(null);
            }

            var token = NewToken();
            _leases[name] = (token, now + duration);
            return Task.FromResult<string?>(token);
        }
    }

    public Task ReleaseAsync(string name, string token, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_leases.TryGetValue(name, out var held) && held.Token == token)
            {
                _leases.Remove(name);
            }
        }

        return Task.CompletedTask;
    }

    internal static string NewToken() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
}

/// <summary>
/// Keys (after the storage key prefix): {keyPrefix}{name}, a string holding the holder's random token with the lease's
/// duration as its TTL (SET NX PX). Release is a compare-and-delete script, so a replica whose lease expired cannot
/// delete its successor's. Lease expiry runs on Redis's clock, not the injected TimeProvider.
/// </summary>
public class RedisLeases(IDatabase database, string keyPrefix) : ILeases
{
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
        return 0
        """;

    public async Task<string?> TryAcquireAsync(string name, TimeSpan duration, CancellationToken cancellationToken = default)
    {
        var token = InMemoryLeases.NewToken();
        return await database.StringSetAsync(keyPrefix + name, token, duration, When.NotExists) ? token : null;
    }

    public Task ReleaseAsync(string name, string token, CancellationToken cancellationToken = default) =>
        database.ScriptEvaluateAsync(ReleaseScript, [keyPrefix + name], [token]);
}
