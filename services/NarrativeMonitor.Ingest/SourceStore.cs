using System.Collections.Concurrent;
using System.Text.Json;
using NarrativeMonitor.Contracts;
using StackExchange.Redis;

namespace NarrativeMonitor.Ingest;

/// <summary>The registered sources.</summary>
public interface ISourceStore
{
    /// <summary>Registers <paramref name="source"/>, replacing a source with the same id.</summary>
    Task UpsertAsync(SourceRecord source, CancellationToken cancellationToken = default);

    Task<SourceRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The sources ordered by id (ordinal), only those of <paramref name="kind"/> unless it is null.</summary>
    Task<IReadOnlyList<SourceRecord>> ListAsync(SourceKind? kind = null, CancellationToken cancellationToken = default);
}

public sealed class InMemorySourceStore : ISourceStore
{
    private readonly ConcurrentDictionary<string, SourceRecord> _sources = new(StringComparer.Ordinal);

    public Task UpsertAsync(SourceRecord source, CancellationToken cancellationToken = default)
    {
        _sources[source.Id] = source;
        return Task.CompletedTask;
    }

    public Task<SourceRecord?> GetAsync(string id, CancellationToken cancellationToken = default) =>
        Task.FromResult(_sources.GetValueOrDefault(id));

    public Task<IReadOnlyList<SourceRecord>> ListAsync(SourceKind? kind = null, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<SourceRecord> sources = _sources.Values
            .Where(s => kind is null || s.Kind == kind)
            .OrderBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
        return Task.FromResult(sources);
    }
}

/// <summary>
/// Keys (after the storage key prefix):
///   ing:src   hash: source id -> the source as JSON
/// One hash: sources are few, HSET replaces atomically, and HGETALL lists them in one round trip.
/// </summary>
public sealed class RedisSourceStore(IDatabase database) : ISourceStore
{
    private static readonly RedisKey SourcesKey = "ing:src";

    public Task UpsertAsync(SourceRecord source, CancellationToken cancellationToken = default) =>
        database.HashSetAsync(SourcesKey, source.Id, JsonSerializer.Serialize(source));

    public async Task<SourceRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var json = await database.HashGetAsync(SourcesKey, id);
        return json.IsNullOrEmpty ? null : Deserialize(json);
    }

    public async Task<IReadOnlyList<SourceRecord>> ListAsync(SourceKind? kind = null, CancellationToken cancellationToken = default)
    {
        var entries = await database.HashGetAllAsync(SourcesKey);
        return entries
            .Select(entry => Deserialize(entry.Value))
            .Where(s => kind is null || s.Kind == kind)
            .OrderBy(s => s.Id, StringComparer.Ordinal)
            .ToList();
    }

    private static SourceRecord Deserialize(RedisValue json) =>
        JsonSerializer.Deserialize<SourceRecord>(json.ToString())
        ?? throw new InvalidDataException("A source in Redis is stored as JSON null.");
}

/// <summary>
/// Source lookups for the article path, cached for <see cref="IngestOptions.SourceCacheTtl"/>: every article needs its
/// source, and sources change rarely. Registering through here drops the cached entry at once. Misses are not cached,
/// so a source registered by another replica is usable as soon as it is stored.
/// </summary>
public sealed class SourceRegistry(ISourceStore store, TimeProvider timeProvider, Microsoft.Extensions.Options.IOptions<IngestOptions> options)
{
    private readonly ConcurrentDictionary<string, (SourceRecord Source, DateTimeOffset Expires)> _cache = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl = options.Value.SourceCacheTtl;
    private readonly Lock _registrations = new();
    private long _generation;

    public async Task RegisterAsync(SourceRecord source, CancellationToken cancellationToken = default)
    {
        await store.UpsertAsync(source, cancellationToken);
        lock (_registrations)
        {
            _generation++;
            _cache.TryRemove(source.Id, out _);
        }
    }

    public async ValueTask<SourceRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var now = timeProvider.GetUtcNow();
        if (_cache.TryGetValue(id, out var cached) && cached.Expires > now)
        {
            return cached.Source;
        }

        var generation = Volatile.Read(ref _generation);
        var source = await store.GetAsync(id, cancellationToken);
        if (source is not null && _ttl > TimeSpan.Zero)
        {
            lock (_registrations)
            {
                // A registration that ran while the store was read may have replaced what was read: do not cache it.
                if (generation == _generation)
                {
                    _cache[id] = (source, now + _ttl);
                }
            }
        }

        return source;
    }

    public Task<IReadOnlyList<SourceRecord>> ListAsync(SourceKind? kind, CancellationToken cancellationToken = default) =>
        store.ListAsync(kind, cancellationToken);
}
