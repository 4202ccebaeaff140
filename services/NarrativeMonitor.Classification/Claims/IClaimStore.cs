namespace NarrativeMonitor.Classification.Claims;

/// <summary>
/// The tracked claims, shared by every replica. Every change bumps a version number, so a replica can tell with one
/// cheap read whether the claims it prepared are still current.
/// </summary>
public interface IClaimStore
{
    /// <summary>Stores a new claim. False, and nothing changes, when the id is taken.</summary>
    Task<bool> CreateAsync(ClaimRecord claim, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces the statement, topic, keywords and rules of the claim with <paramref name="content"/>'s id, and sets its
    /// UpdatedAt to content.UpdatedAt; status and CreatedAt stay. The updated claim, or null for an unknown id.
    /// </summary>
    Task<ClaimRecord?> UpdateAsync(ClaimRecord content, CancellationToken cancellationToken = default);

    /// <summary>Retires the claim. Idempotent: retiring a retired claim changes nothing. The claim, or null for an unknown id.</summary>
    Task<ClaimRecord?> RetireAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default);

    Task<ClaimRecord?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The claims ordered by id (ordinal), active ones only unless <paramref name="includeRetired"/>.</summary>
    Task<IReadOnlyList<ClaimRecord>> ListAsync(bool includeRetired, CancellationToken cancellationToken = default);

    /// <summary>A number that grows with every change to the claims (0 before the first).</summary>
    Task<long> GetVersionAsync(CancellationToken cancellationToken = default);
}
