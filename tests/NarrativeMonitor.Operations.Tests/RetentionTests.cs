using Microsoft.Extensions.Options;
using NarrativeMonitor.Alerts;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Ingest;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace NarrativeMonitor.Operations.Tests;

[Collection(RedisCollection.Name)]
public sealed class RetentionTests(RedisFixture redis) : IAsyncLifetime
{
    private ConnectionMultiplexer _connection = null!;

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);

    public async Task DisposeAsync() => await _connection.DisposeAsync();

    [Fact]
    public async Task Trimming_drops_the_alert_events_recorded_before_the_cutoff_and_keeps_the_rest()
    {
        var prefix = RedisFixture.UniquePrefix();
        var database = _connection.GetDatabase().WithKeyPrefix(prefix);
        foreach (var id in new[] { "1000-0", "2000-0", "3000-5" })
        {
            await database.StreamAddAsync("ev", "t", 1, id);
        }

        var store = new RedisAlertStore(database, Options.Create(new AlertOptions()));
        Assert.Equal(1, await store.TrimEventsAsync(DateTimeOffset.FromUnixTimeMilliseconds(2000)));

        Assert.Equal(["2000-0", "3000-5"], (await database.StreamRangeAsync("ev")).Select(e => e.Id.ToString()));
    }

    [Fact]
    public async Task The_alert_service_trims_its_event_stream_to_the_configured_retention()
    {
        var prefix = RedisFixture.UniquePrefix();
        var database = _connection.GetDatabase().WithKeyPrefix(prefix);
        var fresh = $"{DateTimeOffset.UtcNow.AddMinutes(10).ToUnixTimeMilliseconds()}-0";
        await database.StreamAddAsync("ev", "t", 1, "1-0");
        await database.StreamAddAsync("ev", "t", 1, fresh);

        var settings = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "Redis",
            ["Storage:RedisConnection"] = redis.ConnectionString,
            ["Storage:KeyPrefix"] = prefix,
            ["Messaging:Transport"] = "InMemory",
            ["Alerts:EventRetention"] = "1.00:00:00",
            ["Alerts:EventTrimInterval"] = "00:00:00.200",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        await using var app = ServiceHosts.Build(HostedService.Alerts, settings);
        await app.StartAsync();
        try
        {
            await OperationsCluster.EventuallyAsync(async () => (await database.StreamLengthAsync("ev")) == 1, TimeSpan.FromSeconds(30),
                "the day-old event to be trimmed");
            Assert.Equal([fresh], (await database.StreamRangeAsync("ev")).Select(e => e.Id.ToString()));
        }
        finally
        {
            await app.StopAsync();
        }
    }

    [Fact]
    public async Task Deduplication_claims_carry_their_ttls()
    {
        var prefix = RedisFixture.UniquePrefix();
        var database = _connection.GetDatabase().WithKeyPrefix(prefix);
        var claim = new DeduplicationClaim("r1", "wire", "https://wire.example/r1", "hash-r1");

        // Defaults: URL and content hash kept a year, the article id for good.
        await new RedisArticleDeduplicator(database, Options.Create(new IngestOptions())).TryClaimAsync(claim);
        AssertAbout(TimeSpan.FromDays(365), await database.KeyTimeToLiveAsync("ing:url:" + claim.UrlKey));
        AssertAbout(TimeSpan.FromDays(365), await database.KeyTimeToLiveAsync("ing:hash:hash-r1"));
        Assert.Null(await database.KeyTimeToLiveAsync("ing:id:r1"));

        var other = new DeduplicationClaim("r2", "wire", "https://wire.example/r2", "hash-r2");
        var options = new IngestOptions { ArticleIdTtl = TimeSpan.FromDays(30), DeduplicationTtl = TimeSpan.FromDays(7) };
        await new RedisArticleDeduplicator(database, Options.Create(options)).TryClaimAsync(other);
        AssertAbout(TimeSpan.FromDays(30), await database.KeyTimeToLiveAsync("ing:id:r2"));
        AssertAbout(TimeSpan.FromDays(7), await database.KeyTimeToLiveAsync("ing:hash:hash-r2"));
    }

    [Fact]
    public async Task An_article_id_claim_expires_in_memory_after_its_ttl()
    {
        var clock = new ManualTimeProvider(DateTimeOffset.UnixEpoch.AddYears(55));
        var deduplicator = new InMemoryArticleDeduplicator(clock, Options.Create(new IngestOptions { ArticleIdTtl = TimeSpan.FromDays(30), DeduplicationTtl = null }));
        await deduplicator.TryClaimAsync(new DeduplicationClaim("m1", "wire", "https://wire.example/m1", "hash-m1"));
        var retry = new DeduplicationClaim("m1", "wire", "https://wire.example/other", "hash-other");
        Assert.Equal("m1", (await deduplicator.TryClaimAsync(retry)).DuplicateOf);

        clock.Advance(TimeSpan.FromDays(31));
        Assert.False((await deduplicator.TryClaimAsync(retry)).IsDuplicate);
    }

    private static void AssertAbout(TimeSpan expected, TimeSpan? actual)
    {
        Assert.NotNull(actual);
        Assert.InRange(actual.Value, expected - TimeSpan.FromMinutes(1), expected);
    }
}
