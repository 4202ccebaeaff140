using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace NarrativeMonitor.Ingest;

/// <summary>What an article claims: its id, its (source, normalized URL) pair and its content hash.</summary>
public sealed record DeduplicationClaim(string ArticleId, string SourceId, string NormalizedUrl, string ContentHash)
{
    /// <summary>The (source, URL) pair as one short token: URLs can be kilobytes long.</summary>
    public string UrlKey => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(SourceId + "\n" + NormalizedUrl)));
}

/// <summary>Null <see cref="DuplicateOf"/>: the claim was taken. Otherwise the id of the article that holds it.</summary>
public readonly record struct DeduplicationResult(string? DuplicateOf)
{
    public static DeduplicationResult Claimed => default;

    public bool IsDuplicate => DuplicateOf is not null;
}

public interface IArticleDeduplicator
{
    /// <summary>
    /// Atomically takes the article id, the (source, URL) pair and the content hash for <paramref name="claim"/>.
    /// When any of them is already held, takes none and answers the id of the article holding the first of them
    /// (checked in that order). Of concurrent identical claims exactly one is taken. A claim stays pending until
    /// <see cref="MarkPublishedAsync"/>: while it is, a retry of the same article (same id and content hash) takes it
    /// again, so an article whose publish failed, and whose release failed with it, is not refused as a duplicate of itself.
    /// </summary>
    Task<DeduplicationResult> TryClaimAsync(DeduplicationClaim claim, CancellationToken cancellationToken = default);

    /// <summary>Ends the pending state of claims whose articles the broker confirmed: from now on a retry is a duplicate.</summary>
    Task MarkPublishedAsync(IReadOnlyList<DeduplicationClaim> claims, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives back what <see cref="TryClaimAsync"/> took for <paramref name="claim"/> (parts held by another article
    /// are left alone), so that a retry after a failed publish is accepted.
    /// </summary>
    Task ReleaseAsync(DeduplicationClaim claim, CancellationToken cancellationToken = default);
}

public sealed class InMemoryArticleDeduplicator(TimeProvider timeProvider, IOptions<IngestOptions> options) : IArticleDeduplicator
{
    private readonly Dictionary<string, (string ArticleId, DateTimeOffset? Expires)> _claims = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pending = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeSpan? _ttl = options.Value.DeduplicationTtl;
    private readonly TimeSpan? _idTtl = options.Value.ArticleIdTtl;

    public Task<DeduplicationResult> TryClaimAsync(DeduplicationClaim claim, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var keys = Keys(claim);
        lock (_lock)
        {
            var retry = _pending.Contains(claim.ArticleId)
                && _claims.TryGetValue(keys[2], out var hashHolder) && hashHolder.ArticleId == claim.ArticleId && (hashHolder.Expires is null || hashHolder.Expires > now);
            foreach (var key in keys)
            {
                if (_claims.TryGetValue(key, out var held) && (held.Expires is null || held.Expires > now) && !(retry && held.ArticleId == claim.ArticleId))
                {
                    return Task.FromResult(new DeduplicationResult(held.ArticleId));
                }
            }

            _pending.Add(claim.ArticleId);

            _claims[keys[0]] = (claim.ArticleId, _idTtl is { } idTtl ? now + idTtl : null);
            var expires = _ttl is { } ttl ? now + ttl : (DateTimeOffset?)null;
            _claims[keys[1]] = (claim.ArticleId, expires);
            _claims[keys[2]] = (claim.ArticleId, expires);
        }

        return Task.FromResult(DeduplicationResult.Claimed);
    }

    public Task MarkPublishedAsync(IReadOnlyList<DeduplicationClaim> claims, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            foreach (var claim in claims)
            {
                _pending.Remove(claim.ArticleId);
            }
        }

        return Task.CompletedTask;
    }

    public Task ReleaseAsync(DeduplicationClaim claim, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (_claims.TryGetValue("id:" + claim.ArticleId, out var holder) && holder.ArticleId == claim.ArticleId)
            {
                _pending.Remove(claim.ArticleId);
            }

            foreach (var key in Keys(claim))
            {
                if (_claims.TryGetValue(key, out var held) && held.ArticleId == claim.ArticleId)
                {
                    _claims.Remove(key);
                }
            }
        }

        return Task.CompletedTask;
    }

    private static string[] Keys(DeduplicationClaim claim) =>
        ["id:" + claim.ArticleId, "url:" + claim.UrlKey, "hash:" + claim.ContentHash];
}

/// <summary>
/// Keys (after the storage key prefix), each holding the id of the article that claimed it:
///   ing:id:{article id}                          expires after IngestOptions.ArticleIdTtl when set (never by default)
///   ing:url:{sha256 hex of source id \n url}     expires after IngestOptions.DeduplicationTtl when set (a year by default)
///   ing:hash:{content hash}                      expires after IngestOptions.DeduplicationTtl when set (a year by default)
///   ing:pending:{article id}                     set with the claim, deleted once the broker confirmed the article;
///                                                expires with the url and hash keys
/// Claim and release are Lua scripts, so concurrent identical submissions see each other.
/// </summary>
public sealed class RedisArticleDeduplicator(IDatabase database, IOptions<IngestOptions> options) : IArticleDeduplicator
{
    // KEYS: id, url, hash, pending. ARGV: article id, TTL of url and hash in milliseconds (0: none), TTL of id (0: none).
    // Answers nil when claimed, else the article id holding the first taken key. A pending claim of the same id and
    // content is a retry of an unconfirmed publish: taken again.
    private const string ClaimScript = """
        local retry = redis.call('EXISTS', KEYS[4]) == 1 and redis.call('GET', KEYS[3]) == ARGV[1]
        for i = 1, 3 do
          local holder = redis.call('GET', KEYS[i])
          if holder and not (retry and holder == ARGV[1]) then return holder end
        end
        local idTtl = tonumber(ARGV[3])
        if idTtl > 0 then
          redis.call('SET', KEYS[1], ARGV[1], 'PX', idTtl)
        else
          redis.call('SET', KEYS[1], ARGV[1])
        end
        -- A pending mark outlives its claim's url and hash keys by nothing: without them a retry is a new article anyway.
        if tonumber(ARGV[2]) > 0 then redis.call('SET', KEYS[4], '1', 'PX', tonumber(ARGV[2])) else redis.call('SET', KEYS[4], '1') end
        local ttl = tonumber(ARGV[2])
        for i = 2, 3 do
          if ttl > 0 then
            redis.call('SET', KEYS[i], ARGV[1], 'PX', ttl)
          else
            redis.call('SET', KEYS[i], ARGV[1])
          end
        end
        return nil
        """;

    // KEYS: id, url, hash, pending. ARGV: article id. Deletes only the keys this article holds.
    private const string ReleaseScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[4]) end
        for i = 1, 3 do
          if redis.call('GET', KEYS[i]) == ARGV[1] then redis.call('DEL', KEYS[i]) end
        end
        return 0
        """;

    private readonly long _ttlMilliseconds = (long)(options.Value.DeduplicationTtl?.TotalMilliseconds ?? 0);
    private readonly long _idTtlMilliseconds = (long)(options.Value.ArticleIdTtl?.TotalMilliseconds ?? 0);

    public async Task<DeduplicationResult> TryClaimAsync(DeduplicationClaim claim, CancellationToken cancellationToken = default)
    {
        var holder = await database.ScriptEvaluateAsync(ClaimScript, Keys(claim), [claim.ArticleId, _ttlMilliseconds, _idTtlMilliseconds]);
        return holder.IsNull ? DeduplicationResult.Claimed : new DeduplicationResult(holder.ToString());
    }

    public Task ReleaseAsync(DeduplicationClaim claim, CancellationToken cancellationToken = default) =>
        database.ScriptEvaluateAsync(ReleaseScript, Keys(claim), [claim.ArticleId]);

    public Task MarkPublishedAsync(IReadOnlyList<DeduplicationClaim> claims, CancellationToken cancellationToken = default) =>
        claims.Count == 0 ? Task.CompletedTask : database.KeyDeleteAsync(claims.Select(c => PendingKey(c.ArticleId)).ToArray());

    private static RedisKey PendingKey(string articleId) => "ing:pending:" + articleId;

    private static RedisKey[] Keys(DeduplicationClaim claim) =>
        ["ing:id:" + claim.ArticleId, "ing:url:" + claim.UrlKey, "ing:hash:" + claim.ContentHash, PendingKey(claim.ArticleId)];
}
