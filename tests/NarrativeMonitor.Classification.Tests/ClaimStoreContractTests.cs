using NarrativeMonitor.Classification.Claims;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Testing;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace NarrativeMonitor.Classification.Tests;

/// <summary>The observable behaviour every <see cref="IClaimStore"/> shares.</summary>
public abstract class ClaimStoreContractTests
{
    private static readonly DateTimeOffset T0 = new(2024, 12, 16, 12, 0, 0, TimeSpan.Zero);

    protected abstract Task<IClaimStore> CreateStoreAsync();

    internal static ClaimRecord Claim(string id, string statement = "North Korean troops are fighting in Kursk Oblast") => new()
    {
        Id = id,
        Statement = statement,
        Topic = "fighting in Kursk Oblast",
        Keywords = ["North Korean", "КНДР"],
        TopicKeywords = ["Kursk"],
        Rules = new ClaimRules { ConfirmationSources = 3, OmissionArticles = 4, OmissionWindow = TimeSpan.FromDays(7) },
        CreatedAt = T0,
        UpdatedAt = T0,
    };

    [Fact]
    public async Task Create_then_get_returns_the_claim_and_bumps_the_version()
    {
        var store = await CreateStoreAsync();
        Assert.Equal(0, await store.GetVersionAsync());

        Assert.True(await store.CreateAsync(Claim("a")));

        var stored = await store.GetAsync("a");
        Assert.NotNull(stored);
        Assert.Equal("North Korean troops are fighting in Kursk Oblast", stored.Statement);
        Assert.Equal(["North Korean", "КНДР"], stored.Keywords);
        Assert.Equal(["Kursk"], stored.TopicKeywords);
        Assert.Equal(Claim("a").Rules, stored.Rules);
        Assert.Equal(ClaimStatus.Active, stored.Status);
        Assert.Equal(T0, stored.CreatedAt);
        Assert.Equal(1, await store.GetVersionAsync());
    }

    [Fact]
    public async Task Create_with_a_taken_id_fails_and_changes_nothing()
    {
        var store = await CreateStoreAsync();
        Assert.True(await store.CreateAsync(Claim("a")));

        Assert.False(await store.CreateAsync(Claim("a", "Something else")));

        Assert.Equal("North Korean troops are fighting in Kursk Oblast", (await store.GetAsync("a"))!.Statement);
        Assert.Equal(1, await store.GetVersionAsync());
    }

    [Fact]
    public async Task Update_replaces_content_keeps_status_and_creation_and_bumps_the_version()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(Claim("a"));
        await store.RetireAsync("a", T0.AddHours(1));
        var version = await store.GetVersionAsync();

        var updated = await store.UpdateAsync(Claim("a", "New statement") with
        {
            Keywords = [],
            Rules = ClaimRules.Default,
            CreatedAt = T0.AddDays(5),
            UpdatedAt = T0.AddHours(2),
        });

        Assert.NotNull(updated);
        var stored = await store.GetAsync("a");
        Assert.Equal("New statement", stored!.Statement);
        Assert.Empty(stored.Keywords);
        Assert.Equal(ClaimRules.Default, stored.Rules);
        Assert.Equal(ClaimStatus.Retired, stored.Status);
        Assert.Equal(T0, stored.CreatedAt);
        Assert.Equal(T0.AddHours(2), stored.UpdatedAt);
        Assert.True(await store.GetVersionAsync() > version);
    }

    [Fact]
    public async Task Update_of_an_unknown_claim_returns_null_and_creates_nothing()
    {
        var store = await CreateStoreAsync();

        Assert.Null(await store.UpdateAsync(Claim("ghost")));

        Assert.Null(await store.GetAsync("ghost"));
        Assert.Empty(await store.ListAsync(includeRetired: true));
        Assert.Equal(0, await store.GetVersionAsync());
    }

    [Fact]
    public async Task Retire_is_idempotent_and_bumps_the_version_once()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(Claim("a"));

        var first = await store.RetireAsync("a", T0.AddHours(1));
        var version = await store.GetVersionAsync();
        var second = await store.RetireAsync("a", T0.AddHours(2));

        Assert.Equal(ClaimStatus.Retired, first!.Status);
        Assert.Equal(ClaimStatus.Retired, second!.Status);
        Assert.Equal(T0.AddHours(1), second.UpdatedAt);
        Assert.Equal(2, version);
        Assert.Equal(version, await store.GetVersionAsync());
        Assert.Null(await store.RetireAsync("ghost", T0));
    }

    [Fact]
    public async Task List_is_ordered_by_id_and_leaves_out_retired_claims_unless_asked()
    {
        var store = await CreateStoreAsync();
        foreach (var id in new[] { "b", "a-2", "C", "a" })
        {
            await store.CreateAsync(Claim(id));
        }

        await store.RetireAsync("b", T0);

        Assert.Equal(["C", "a", "a-2"], (await store.ListAsync(includeRetired: false)).Select(c => c.Id));
        Assert.Equal(["C", "a", "a-2", "b"], (await store.ListAsync(includeRetired: true)).Select(c => c.Id));
    }

    [Fact]
    public async Task Concurrent_creates_of_one_id_let_exactly_one_win()
    {
        var store = await CreateStoreAsync();

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => store.CreateAsync(Claim("race", $"Statement {i}"))));

        Assert.Single(outcomes, won => won);
        Assert.Equal(1, await store.GetVersionAsync());
    }

    [Fact]
    public async Task Concurrent_updates_all_land_and_each_bumps_the_version()
    {
        var store = await CreateStoreAsync();
        await store.CreateAsync(Claim("a"));

        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => store.UpdateAsync(Claim("a", $"Statement {i}"))));

        Assert.Equal(9, await store.GetVersionAsync());
        Assert.StartsWith("Statement ", (await store.GetAsync("a"))!.Statement);
    }
}

public sealed class InMemoryClaimStoreTests : ClaimStoreContractTests
{
    protected override Task<IClaimStore> CreateStoreAsync() => Task.FromResult<IClaimStore>(new InMemoryClaimStore());
}

[Collection(RedisCollection.Name)]
public sealed class RedisClaimStoreTests(RedisFixture redis) : ClaimStoreContractTests, IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    protected override Task<IClaimStore> CreateStoreAsync() =>
        Task.FromResult<IClaimStore>(new RedisClaimStore(_connection!.GetDatabase().WithKeyPrefix(RedisFixture.UniquePrefix())));
}
