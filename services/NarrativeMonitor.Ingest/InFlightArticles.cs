using System.Collections.Concurrent;

namespace NarrativeMonitor.Ingest;

/// <summary>
/// Ids of the articles this process has claimed and not yet published or released. A pending de-duplication claim
/// (see <see cref="IArticleDeduplicator.TryClaimAsync"/>) of an article in this set is being published right now, so a
/// second submission of it is a duplicate; a pending claim of an article not in it was abandoned (its publish failed and
/// its release failed too) and a retry takes it over.
/// </summary>
public sealed class InFlightArticles
{
    private readonly ConcurrentDictionary<string, byte> _ids = new(StringComparer.Ordinal);

    public bool TryAdd(string articleId) => _ids.TryAdd(articleId, 0);

    public void Remove(string articleId) => _ids.TryRemove(articleId, out _);
}
