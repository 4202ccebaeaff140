using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Testing;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace NarrativeMonitor.Ingest.Tests;

internal static class TestRedis
{
    private static readonly ConcurrentDictionary<string, Lazy<ConnectionMultiplexer>> Connections = new();

    /// <summary>A database on the fixture's server whose keys carry a prefix no other test uses.</summary>
    public static IDatabase Database(RedisFixture fixture, out string prefix)
    {
        prefix = RedisFixture.UniquePrefix();
        var connection = Connections.GetOrAdd(fixture.ConnectionString, c => new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(c))).Value;
        return connection.GetDatabase().WithKeyPrefix(prefix);
    }
}

public abstract class SourceStoreContractTests
{
    protected abstract ISourceStore Store { get; }

    [Fact]
    public async Task Get_of_an_unregistered_id_is_null()
    {
        Assert.Null(await Store.GetAsync("nobody"));
    }

    [Fact]
    public async Task Upsert_then_get_round_trips_every_field()
    {
        await Store.UpsertAsync(Samples.Tass);
        Assert.Equal(Samples.Tass, await Store.GetAsync("tass"));
    }

    [Fact]
    public async Task Upsert_replaces_the_source_with_the_same_id()
    {
        await Store.UpsertAsync(Samples.Tass);
        var renamed = Samples.Tass with { Name = "TASS Russian News Agency", Kind = SourceKind.Official };
        await Store.UpsertAsync(renamed);

        Assert.Equal(renamed, await Store.GetAsync("tass"));
        Assert.Single(await Store.ListAsync());
    }

    [Fact]
    public async Task List_is_ordered_by_id_and_filters_by_kind()
    {
        var isw = new SourceRecord("isw", "Institute for the Study of War", SourceKind.Analysis, "US", "en");
        var ria = new SourceRecord("ria", "RIA Novosti", SourceKind.StateMedia, "RU", "ru");
        foreach (var source in new[] { Samples.Tass, isw, Samples.Reuters, ria })
        {
            await Store.UpsertAsync(source);
        }

        Assert.Equal(["isw", "reuters", "ria", "tass"], (await Store.ListAsync()).Select(s => s.Id));
        Assert.Equal(["ria", "tass"], (await Store.ListAsync(SourceKind.StateMedia)).Select(s => s.Id));
        Assert.Empty(await Store.ListAsync(SourceKind.Independent));
    }

    [Fact]
    public async Task Ids_differing_in_case_are_different_sources()
    {
        await Store.UpsertAsync(Samples.Tass);
        await Store.UpsertAsync(Samples.Tass with { Id = "TASS" });
        Assert.Equal(["TASS", "tass"], (await Store.ListAsync()).Select(s => s.Id));
    }
}

public sealed class InMemorySourceStoreTests : SourceStoreContractTests
{
    protected override ISourceStore Store { get; } = new InMemorySourceStore();
}

[Collection(RedisCollection.Name)]
public sealed class RedisSourceStoreTests(RedisFixture redis) : SourceStoreContractTests
{
    protected override ISourceStore Store { get; } = new RedisSourceStore(TestRedis.Database(redis, out _));
}

public abstract class ArticleDeduplicatorContractTests
{
    protected ManualTimeProvider Clock { get; } = new(Samples.Now);

    /// <summary>A deduplicator over one shared store; every call with the same test answers from the same data.</summary>
    protected abstract IArticleDeduplicator Create(TimeSpan? ttl = null);

    private static DeduplicationClaim Claim(string id = "a1", string url = "https://tass.ru/1", string hash = "h1", string source = "tass") =>
        new(id, source, url, hash);

    [Fact]
    public async Task A_first_claim_is_taken()
    {
        var deduplicator = Create();
        Assert.False((await deduplicator.TryClaimAsync(Claim())).IsDuplicate);
    }

    [Theory]
    [InlineData("a1", "https://tass.ru/other", "h-other")]
    [InlineData("a2", "https://tass.ru/1", "h-other")]
    [InlineData("a2", "https://tass.ru/other", "h1")]
    public async Task A_claim_sharing_id_url_or_hash_is_a_duplicate_of_the_first(string id, string url, string hash)
    {
        var deduplicator = Create();
        await deduplicator.TryClaimAsync(Claim());
        await deduplicator.MarkPublishedAsync([Claim()]);

        var result = await deduplicator.TryClaimAsync(Claim(id, url, hash));
        Assert.True(result.IsDuplicate);
        Assert.Equal("a1", result.DuplicateOf);
    }

    [Fact]
    public async Task The_same_url_from_another_source_is_not_a_duplicate()
    {
        var deduplicator = Create();
        await deduplicator.TryClaimAsync(Claim());
        Assert.False((await deduplicator.TryClaimAsync(Claim("a2", hash: "h2", source: "ria"))).IsDuplicate);
    }

    [Fact]
    public async Task A_duplicate_claims_nothing()
    {
        var deduplicator = Create();
        await deduplicator.TryClaimAsync(Claim());
        // Shares the hash with a1, so refused; its own id and URL must stay free.
        Assert.True((await deduplicator.TryClaimAsync(Claim("a2", "https://tass.ru/2", "h1"))).IsDuplicate);

        Assert.False((await deduplicator.TryClaimAsync(Claim("a2", "https://tass.ru/2", "h2"))).IsDuplicate);
    }

    [Fact]
    public async Task Concurrent_identical_claims_take_exactly_one()
    {
        var deduplicator = Create();
        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(i =>
            Task.Run(() => deduplicator.TryClaimAsync(Claim($"a{i}", "https://tass.ru/same", "same-hash")))));

        var taken = results.Select((result, i) => (result, i)).Where(x => !x.result.IsDuplicate).ToList();
        Assert.Single(taken);
        var winner = $"a{taken[0].i}";
        Assert.All(results.Where(r => r.IsDuplicate), r => Assert.Equal(winner, r.DuplicateOf));
    }

    [Fact]
    public async Task Release_frees_the_claim_so_a_retry_is_taken()
    {
        var deduplicator = Create();
        await deduplicator.TryClaimAsync(Claim());
        await deduplicator.ReleaseAsync(Claim());

        Assert.False((await deduplicator.TryClaimAsync(Claim())).IsDuplicate);
        await deduplicator.MarkPublishedAsync([Claim()]);
        Assert.True((await deduplicator.TryClaimAsync(Claim())).IsDuplicate);
    }

    [Fact]
    public async Task A_claim_never_marked_published_is_taken_again_by_the_same_article_only()
    {
        // The publish failed and so did the release (the store went down in between): the client's retry must go through.
        var deduplicator = Create();
        await deduplicator.TryClaimAsync(Claim());

        Assert.Equal("a1", (await deduplicator.TryClaimAsync(Claim("a2"))).DuplicateOf);
        Assert.Equal("a1", (await deduplicator.TryClaimAsync(Claim("a1", hash: "h-edited"))).DuplicateOf);
        Assert.False((await deduplicator.TryClaimAsync(Claim())).IsDuplicate);

        await deduplicator.MarkPublishedAsync([Claim()]);
        Assert.Equal("a1", (await deduplicator.TryClaimAsync(Claim())).DuplicateOf);
    }

    [Fact]
    public async Task Release_leaves_what_another_article_holds()
    {
        var deduplicator = Create();
        await deduplicator.TryClaimAsync(Claim());
        // a2 never held h1 or the URL: releasing it must not free a1's claims.
        await deduplicator.ReleaseAsync(Claim("a2"));

        Assert.Equal("a1", (await deduplicator.TryClaimAsync(Claim("a3", hash: "h3"))).DuplicateOf);
        Assert.Equal("a1", (await deduplicator.TryClaimAsync(Claim("a3", url: "https://tass.ru/3"))).DuplicateOf);
    }

    [Fact]
    public async Task Without_ttl_claims_do_not_expire()
    {
        var deduplicator = Create();
        await deduplicator.TryClaimAsync(Claim());
        Clock.Advance(TimeSpan.FromDays(3650));
        Assert.True((await deduplicator.TryClaimAsync(Claim("a2"))).IsDuplicate);
    }

    protected async Task AssertUrlAndHashExpire(Func<Task> waitPastTtl)
    {
        var deduplicator = Create(TimeSpan.FromMinutes(1));
        await deduplicator.TryClaimAsync(Claim());
        await deduplicator.MarkPublishedAsync([Claim()]);
        Assert.True((await deduplicator.TryClaimAsync(Claim("a2"))).IsDuplicate);

        await waitPastTtl();

        Assert.False((await deduplicator.TryClaimAsync(Claim("a2"))).IsDuplicate);
        // The id claim is kept: a retry of a1 itself stays a duplicate.
        Assert.Equal("a1", (await deduplicator.TryClaimAsync(Claim("a1", "https://tass.ru/x", "hx"))).DuplicateOf);
    }
}

public sealed class InMemoryArticleDeduplicatorTests : ArticleDeduplicatorContractTests
{
    protected override IArticleDeduplicator Create(TimeSpan? ttl = null) =>
        new InMemoryArticleDeduplicator(Clock, Options.Create(new IngestOptions { DeduplicationTtl = ttl }));

    [Fact]
    public Task Url_and_hash_claims_expire_after_the_ttl() =>
        AssertUrlAndHashExpire(() =>
        {
            Clock.Advance(TimeSpan.FromMinutes(2));
            return Task.CompletedTask;
        });
}

[Collection(RedisCollection.Name)]
public sealed class RedisArticleDeduplicatorTests(RedisFixture redis) : ArticleDeduplicatorContractTests
{
    private readonly IDatabase _database = TestRedis.Database(redis, out _);

    protected override IArticleDeduplicator Create(TimeSpan? ttl = null) =>
        new RedisArticleDeduplicator(_database, Options.Create(new IngestOptions { DeduplicationTtl = ttl }));

    [Fact]
    public Task Url_and_hash_claims_expire_after_the_ttl() =>
        AssertUrlAndHashExpire(async () =>
        {
            // Redis keeps its own clock: shorten the TTL it holds instead of waiting a minute.
            foreach (var key in new RedisKey[] { "ing:url:" + new DeduplicationClaim("a1", "tass", "https://tass.ru/1", "h1").UrlKey, "ing:hash:h1" })
            {
                Assert.True(await _database.KeyTimeToLiveAsync(key) > TimeSpan.FromSeconds(50));
                Assert.True(await _database.KeyExpireAsync(key, TimeSpan.FromMilliseconds(1)));
            }

            Assert.Null(await _database.KeyTimeToLiveAsync("ing:id:a1"));
            await Task.Delay(50);
        });
}
