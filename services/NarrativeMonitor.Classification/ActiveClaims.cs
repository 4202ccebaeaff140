using NarrativeMonitor.Classification.Claims;
using NarrativeMonitor.Classifier;

namespace NarrativeMonitor.Classification;

/// <summary>The active claims, prepared for the classifier, with their records by id.</summary>
public sealed record ActiveClaimSet(long Version, IPreparedClaims Prepared, IReadOnlyDictionary<string, ClaimRecord> Claims);

/// <summary>
/// Keeps the active claims prepared. Each use reads the store's version (one cheap call) and rebuilds when it changed,
/// so a claim created or retired on any replica is used by the next article everywhere.
/// </summary>
public sealed class ActiveClaims(IClaimStore store, IStanceClassifier classifier, ILogger<ActiveClaims> logger)
{
    private readonly SemaphoreSlim _rebuild = new(1, 1);
    private volatile ActiveClaimSet? _current;

    public async Task<ActiveClaimSet> GetAsync(CancellationToken cancellationToken = default)
    {
        var version = await store.GetVersionAsync(cancellationToken);
        var current = _current;
        if (current is not null && current.Version == version)
        {
            return current;
        }

        await _rebuild.WaitAsync(cancellationToken);
        try
        {
            current = _current;
            if (current is not null && current.Version == version)
            {
                return current;
            }

            // Read after the version: a change in between makes the next call see a newer version and rebuild again.
            var claims = await store.ListAsync(includeRetired: false, cancellationToken);
            var prepared = classifier.Prepare(claims.Select(c => c.ToDefinition()).ToArray());
            current = new ActiveClaimSet(version, prepared, claims.ToDictionary(c => c.Id, StringComparer.Ordinal));
            _current = current;
            logger.LogInformation("Prepared {ClaimCount} active claims at version {ClaimsVersion}", claims.Count, version);
            return current;
        }
        finally
        {
            _rebuild.Release();
        }
    }
}
