using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using StackExchange.Redis;

namespace NarrativeMonitor.Ingest.NearDuplicates;

/// <summary>
/// An indexed article: its signature, and the original it was found to copy (itself when it is an original), so that a
/// copy of a copy links to the first article of the chain.
/// </summary>
public sealed record NearDuplicateEntry(
    string ArticleId,
    string SourceId,
    SourceKind SourceKind,
    MinHashSignature Signature,
    string OriginalArticleId,
    string OriginalSourceId,
    SourceKind OriginalSourceKind);

/// <summary>Where near-duplicate signatures and their band tokens live. Matching is <see cref="NearDuplicateDetector"/>'s.</summary>
public interface INearDuplicateStore
{
    /// <summary>
    /// The live entries that share at least one of <paramref name="bandTokens"/>, those sharing the most bands first (ties
    /// by article id), at most <paramref name="limit"/> of them. A band shared by more than <see cref="NearDuplicateStore.MaxBandBucket"/>
    /// articles is passed over: it is boilerplate every article carries, not a sign of a copy.
    /// </summary>
    Task<IReadOnlyList<NearDuplicateEntry>> FindCandidatesAsync(IReadOnlyList<string> bandTokens, int limit, CancellationToken cancellationToken = default);

    /// <summary>Adds (or replaces) the entry under every one of its band tokens, all at once.</summary>
    Task AddAsync(NearDuplicateEntry entry, CancellationToken cancellationToken = default);

    /// <summary>Removes the article's entry and its band tokens (after a failed publish, so a retry starts afresh).</summary>
    Task RemoveAsync(string articleId, IReadOnlyList<string> bandTokens, CancellationToken cancellationToken = default);
}

public static class NearDuplicateStore
{
    /// <summary>Articles one band may be shared by before lookups ignore it (see <see cref="INearDuplicateStore.FindCandidatesAsync"/>).</summary>
    public const int MaxBandBucket = 256;

    /// <summary>Orders candidate ids by shared bands (most first), then id, and keeps <paramref name="limit"/>.</summary>
    public static IEnumerable<string> Rank(Dictionary<string, int> sharedBands, int limit) =>
        sharedBands.OrderByDescending(c => c.Value).ThenBy(c => c.Key, StringComparer.Ordinal).Take(limit).Select(c => c.Key);
}

public sealed class InMemoryNearDuplicateStore(TimeProvider timeProvider, IOptions<IngestOptions> options) : INearDuplicateStore
{
    private readonly Dictionary<string, (NearDuplicateEntry Entry, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<string>> _bands = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly TimeSpan _ttl = options.Value.NearDuplicateWindow;

    public Task<IReadOnlyList<NearDuplicateEntry>> FindCandidatesAsync(IReadOnlyList<string> bandTokens, int limit, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        var sharedBands = new Dictionary<string, int>(StringComparer.Ordinal);
        var found = new List<NearDuplicateEntry>();
        lock (_lock)
        {
            foreach (var token in bandTokens)
            {
                if (!_bands.TryGetValue(token, out var ids) || ids.Count > NearDuplicateStore.MaxBandBucket)
                {
                    continue;
                }

                foreach (var id in ids)
                {
                    if (_entries.TryGetValue(id, out var held) && held.Expires > now)
                    {
                        sharedBands[id] = sharedBands.GetValueOrDefault(id) + 1;
                    }
                }
            }

            found.AddRange(NearDuplicateStore.Rank(sharedBands, limit).Select(id => _entries[id].Entry));
        }

        return Task.FromResult<IReadOnlyList<NearDuplicateEntry>>(found);
    }

    public Task AddAsync(NearDuplicateEntry entry, CancellationToken cancellationToken = default)
    {
        var expires = timeProvider.GetUtcNow() + _ttl;
        lock (_lock)
        {
            _entries[entry.ArticleId] = (entry, expires);
            foreach (var token in entry.Signature.BandTokens())
            {
                if (!_bands.TryGetValue(token, out var ids))
                {
                    _bands[token] = ids = new HashSet<string>(StringComparer.Ordinal);
                }

                ids.Add(entry.ArticleId);
            }
        }

        return Task.CompletedTask;
    }

    public Task RemoveAsync(string articleId, IReadOnlyList<string> bandTokens, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            _entries.Remove(articleId);
            foreach (var token in bandTokens)
            {
                if (_bands.TryGetValue(token, out var ids) && ids.Remove(articleId) && ids.Count == 0)
                {
                    _bands.Remove(token);
                }
            }
        }

        return Task.CompletedTask;
    }
}

/// <summary>
/// Keys (after the storage key prefix):
///   ing:nd:a:{article id}         hash: s source id, k source kind, g signature (480 bytes), o/os/ok the original's
///                                 article id, source id and kind; expires after IngestOptions.NearDuplicateWindow
///   ing:nd:b:{band}:{band hash}   set of article ids sharing that band (40 per article); its expiry is pushed back to
///                                 the window on every add, so a band nobody shares goes away with its articles
/// An add is one MULTI/EXEC, so a half-indexed article is never seen. Lookup is one Lua script that counts, per article,
/// the bands it shares (passing over oversized bands) and returns the best candidates, then a pipelined HGETALL per
/// candidate (the keys of one lookup must live on one node: no Redis Cluster without hash tags).
/// </summary>
public sealed class RedisNearDuplicateStore(IDatabase database, IOptions<IngestOptions> options) : INearDuplicateStore
{
    private readonly TimeSpan _ttl = options.Value.NearDuplicateWindow;

    // KEYS: the band sets; ARGV[1]: the largest band considered; ARGV[2]: how many ids to return.
    private const string RankCandidatesScript = """
        local shared = {}
        local cap = tonumber(ARGV[1])
        for _, key in ipairs(KEYS) do
          if redis.call('SCARD', key) <= cap then
            for _, id in ipairs(redis.call('SMEMBERS', key)) do shared[id] = (shared[id] or 0) + 1 end
          end
        end
        local ranked = {}
        for id, count in pairs(shared) do ranked[#ranked + 1] = { id, count } end
        table.sort(ranked, function(a, b) if a[2] == b[2] then return a[1] < b[1] end return a[2] > b[2] end)
        local ids = {}
        for i = 1, math.min(#ranked, tonumber(ARGV[2])) do ids[i] = ranked[i][1] end
        return ids
        """;

    public async Task<IReadOnlyList<NearDuplicateEntry>> FindCandidatesAsync(IReadOnlyList<string> bandTokens, int limit, CancellationToken cancellationToken = default)
    {
        var ids = (RedisValue[])(await database.ScriptEvaluateAsync(RankCandidatesScript,
            bandTokens.Select(t => (RedisKey)BandKey(t)).ToArray(), [NearDuplicateStore.MaxBandBucket, limit]))!;
        var lookups = ids.Select(id => database.HashGetAllAsync(EntryKey(id.ToString()))).ToArray();
        var found = new List<NearDuplicateEntry>(lookups.Length);
        for (var i = 0; i < lookups.Length; i++)
        {
            var fields = (await lookups[i]).ToDictionary(f => f.Name.ToString(), f => f.Value);
            if (fields.Count == 0)
            {
                continue; // expired since its bands were read
            }

            found.Add(new NearDuplicateEntry(
                ids[i].ToString(),
                fields["s"].ToString(),
                (SourceKind)(int)fields["k"],
                MinHashSignature.FromBytes((byte[])fields["g"]!),
                fields["o"].ToString(),
                fields["os"].ToString(),
                (SourceKind)(int)fields["ok"]));
        }

        return found;
    }

    public async Task AddAsync(NearDuplicateEntry entry, CancellationToken cancellationToken = default)
    {
        var transaction = database.CreateTransaction();
        var entryKey = EntryKey(entry.ArticleId);
        _ = transaction.HashSetAsync(entryKey,
        [
            new HashEntry("s", entry.SourceId),
            new HashEntry("k", (int)entry.SourceKind),
            new HashEntry("g", entry.Signature.ToBytes()),
            new HashEntry("o", entry.OriginalArticleId),
            new HashEntry("os", entry.OriginalSourceId),
            new HashEntry("ok", (int)entry.OriginalSourceKind),
        ]);
        _ = transaction.KeyExpireAsync(entryKey, _ttl);
        foreach (var token in entry.Signature.BandTokens())
        {
            _ = transaction.SetAddAsync(BandKey(token), entry.ArticleId);
            _ = transaction.KeyExpireAsync(BandKey(token), _ttl);
        }

        if (!await transaction.ExecuteAsync())
        {
            throw new RedisException("The near-duplicate index transaction was not executed.");
        }
    }

    public async Task RemoveAsync(string articleId, IReadOnlyList<string> bandTokens, CancellationToken cancellationToken = default)
    {
        var transaction = database.CreateTransaction();
        _ = transaction.KeyDeleteAsync(EntryKey(articleId));
        foreach (var token in bandTokens)
        {
            _ = transaction.SetRemoveAsync(BandKey(token), articleId);
        }

        await transaction.ExecuteAsync();
    }

    private static RedisKey EntryKey(string articleId) => "ing:nd:a:" + articleId;

    private static RedisKey BandKey(string token) => "ing:nd:b:" + token;
}

/// <summary>An accepted article found to copy an earlier one: the original (first of its chain) and the similarity.</summary>
public sealed record NearDuplicateMatch(string ArticleId, string SourceId, SourceKind SourceKind, double Similarity);

/// <summary>
/// Finds the original an article's body nearly duplicates, and indexes the article so later copies find it (or, when
/// it is itself a copy, find its original through it).
/// </summary>
public sealed class NearDuplicateDetector(INearDuplicateStore store, IOptions<IngestOptions> options)
{
    /// <summary>Candidates read per lookup, those sharing the most bands first: a real copy shares many, so it ranks among them.</summary>
    public const int MaxCandidates = 16;

    private readonly double _threshold = options.Value.NearDuplicateThreshold;

    /// <summary>
    /// The original <paramref name="article"/> nearly duplicates (the most similar indexed article at or above the
    /// threshold, other than itself, resolved to the first of its chain), or null; and the article is indexed either
    /// way. Null without indexing for bodies too short to compare.
    /// </summary>
    public async Task<NearDuplicateResult> FindAndIndexAsync(NormalizedArticle article, CancellationToken cancellationToken = default)
    {
        var signature = MinHashSignature.Compute(article.Body);
        if (signature is null)
        {
            return NearDuplicateResult.NotIndexed;
        }

        var tokens = signature.BandTokens();
        var candidates = await store.FindCandidatesAsync(tokens, MaxCandidates, cancellationToken);
        NearDuplicateEntry? best = null;
        var bestSimilarity = 0.0;
        foreach (var candidate in candidates)
        {
            if (candidate.ArticleId == article.Id)
            {
                continue;
            }

            var similarity = signature.Similarity(candidate.Signature);
            if (similarity >= _threshold && (similarity > bestSimilarity
                || (similarity == bestSimilarity && string.CompareOrdinal(candidate.ArticleId, best!.ArticleId) < 0)))
            {
                (best, bestSimilarity) = (candidate, similarity);
            }
        }

        var match = best is null
            ? null
            : new NearDuplicateMatch(best.OriginalArticleId, best.OriginalSourceId, best.OriginalSourceKind, Math.Round(bestSimilarity, 3));
        await store.AddAsync(new NearDuplicateEntry(
            article.Id, article.SourceId, article.SourceKind, signature,
            match?.ArticleId ?? article.Id, match?.SourceId ?? article.SourceId, match?.SourceKind ?? article.SourceKind), cancellationToken);
        return new NearDuplicateResult(match, article.Id, tokens);
    }

    /// <summary>Takes back what <see cref="FindAndIndexAsync"/> indexed, after the article could not be published.</summary>
    public Task RemoveAsync(NearDuplicateResult result, CancellationToken cancellationToken = default) =>
        result.BandTokens.Count == 0 ? Task.CompletedTask : store.RemoveAsync(result.ArticleId!, result.BandTokens, cancellationToken);
}

/// <summary>What <see cref="NearDuplicateDetector.FindAndIndexAsync"/> found and indexed.</summary>
public sealed record NearDuplicateResult(NearDuplicateMatch? Match, string? ArticleId, IReadOnlyList<string> BandTokens)
{
    public static NearDuplicateResult NotIndexed { get; } = new(null, null, []);
}
