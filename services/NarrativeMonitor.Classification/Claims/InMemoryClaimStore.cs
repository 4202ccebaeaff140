namespace NarrativeMonitor.Classification.Claims;

/// <summary>Claims in process memory: embedded mode and tests.</summary>
public sealed class InMemoryClaimStore : IClaimStore
{
    private readonly Lock _lock = new();
    private readonly SortedDictionary<string, ClaimRecord> _claims = new(StringComparer.Ordinal);
    private long _version;

    public Task<bool> CreateAsync(ClaimRecord claim, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_claims.TryAdd(claim.Id, claim))
            {
                return Task.FromResult(false);
            }

            _version++;
            return Task.FromResult(true);
        }
    }

    public Task<ClaimRecord?> UpdateAsync(ClaimRecord content, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_claims.TryGetValue(content.Id, out var current))
            {
                return Task.FromResult<ClaimRecord?>(null);
            }

            var updated = current.WithContentOf(content, content.UpdatedAt);
            _claims[content.Id] = updated;
            _version++;
            return Task.FromResult<ClaimRecord?>(updated);
        }
    }

    public Task<ClaimRecord?> RetireAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            if (!_claims.TryGetValue(id, out var current))
            {
                return Task.FromResult<ClaimRecord?>(null);
            }

            if (current.Status == ClaimStatus.Retired)
            {
                return Task.FromResult<ClaimRecord?>(current);
            }

            var retired = current with { Status = ClaimStatus.Retired, UpdatedAt = at };
            _claims[id] = retired;
            _version++;
            return Task.FromResult<ClaimRecord?>(retired);
        }
    }

    public Task<ClaimRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_claims.GetValueOrDefault(id));
        }
    }

    public Task<IReadOnlyList<ClaimRecord>> ListAsync(bool includeRetired, CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            IReadOnlyList<ClaimRecord> claims = _claims.Values.Where(c => includeRetired || c.Status == ClaimStatus.Active).ToArray();
            return Task.FromResult(claims);
        }
    }

    public Task<long> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        lock (_lock)
        {
            return Task.FromResult(_version);
        }
    }
}
