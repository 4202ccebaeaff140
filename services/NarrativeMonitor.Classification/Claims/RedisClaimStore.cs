using System.Text.Json;
using System.Text.Json.Serialization;
using StackExchange.Redis;

namespace NarrativeMonitor.Classification.Claims;

/// <summary>
/// Claims in Redis, shared by every replica. Keys (under the configured prefix):
///   claim:{id}      string  the claim as JSON
///   claims          zset    every claim id, score 0 (so members sort by id)
///   claims:version  string  counter, INCR'd in the same transaction as every change
/// Updates are optimistic: the write is conditioned on the JSON read before it, and retried when another writer won.
/// </summary>
public sealed class RedisClaimStore(IDatabase database) : IClaimStore
{
    private const string IndexKey = "claims";
    private const string VersionKey = "claims:version";
    private const int MaxAttempts = 20;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        Converters = { new JsonStringEnumConverter() },
    };

    public async Task<bool> CreateAsync(ClaimRecord claim, CancellationToken cancellationToken = default)
    {
        var key = ClaimKey(claim.Id);
        var transaction = database.CreateTransaction();
        transaction.AddCondition(Condition.KeyNotExists(key));
        _ = transaction.StringSetAsync(key, Serialize(claim));
        _ = transaction.SortedSetAddAsync(IndexKey, claim.Id, 0);
        _ = transaction.StringIncrementAsync(VersionKey);
        return await transaction.ExecuteAsync();
    }

    public Task<ClaimRecord?> UpdateAsync(ClaimRecord content, CancellationToken cancellationToken = default) =>
        ChangeAsync(content.Id, current => current.WithContentOf(content, content.UpdatedAt), cancellationToken);

    public Task<ClaimRecord?> RetireAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) =>
        ChangeAsync(id, current => current.Status == ClaimStatus.Retired ? null : current with { Status = ClaimStatus.Retired, UpdatedAt = at },
            cancellationToken);

    public async Task<ClaimRecord?> GetAsync(string id, CancellationToken cancellationToken = default)
    {
        var json = await database.StringGetAsync(ClaimKey(id));
        return json.IsNull ? null : Deserialize(json);
    }

    public async Task<IReadOnlyList<ClaimRecord>> ListAsync(bool includeRetired, CancellationToken cancellationToken = default)
    {
        var ids = await database.SortedSetRangeByRankAsync(IndexKey);
        if (ids.Length == 0)
        {
            return [];
        }

        var values = await database.StringGetAsync(ids.Select(id => (RedisKey)ClaimKey(id.ToString())).ToArray());
        return values.Where(v => !v.IsNull)
            .Select(Deserialize)
            .Where(c => includeRetired || c.Status == ClaimStatus.Active)
            .OrderBy(c => c.Id, StringComparer.Ordinal)
            .ToArray();
    }

    public async Task<long> GetVersionAsync(CancellationToken cancellationToken = default)
    {
        var value = await database.StringGetAsync(VersionKey);
        return value.IsNull ? 0 : (long)value;
    }

    /// <summary>Applies <paramref name="change"/> (null: nothing to change) atomically against concurrent writers.</summary>
    private async Task<ClaimRecord?> ChangeAsync(string id, Func<ClaimRecord, ClaimRecord?> change, CancellationToken cancellationToken)
    {
        var key = ClaimKey(id);
        for (var attempt = 0; attempt < MaxAttempts; attempt++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var json = await database.StringGetAsync(key);
            if (json.IsNull)
            {
                return null;
            }

            var current = Deserialize(json);
            var changed = change(current);
            if (changed is null)
            {
                return current;
            }

            var transaction = database.CreateTransaction();
            transaction.AddCondition(Condition.StringEqual(key, json));
            _ = transaction.StringSetAsync(key, Serialize(changed));
            _ = transaction.StringIncrementAsync(VersionKey);
            if (await transaction.ExecuteAsync())
            {
                return changed;
            }
        }

        throw new InvalidOperationException($"Claim {id} kept changing under {MaxAttempts} attempts to update it.");
    }

    private static string ClaimKey(string id) => "claim:" + id;

    private static string Serialize(ClaimRecord claim) => JsonSerializer.Serialize(claim, Json);

    private static ClaimRecord Deserialize(RedisValue json) =>
        JsonSerializer.Deserialize<ClaimRecord>(json.ToString(), Json) ?? throw new InvalidDataException("A stored claim is null.");
}
