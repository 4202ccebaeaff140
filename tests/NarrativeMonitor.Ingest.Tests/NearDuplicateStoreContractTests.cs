using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Ingest.NearDuplicates;
using NarrativeMonitor.Testing;
using StackExchange.Redis;

namespace NarrativeMonitor.Ingest.Tests;

public abstract class NearDuplicateStoreContractTests
{
    protected const string Wire = """
        North Korean troops have begun fighting alongside Russian forces in the Kursk region, a senior US official said on
        Monday, citing intelligence that several hundred soldiers were killed or wounded in the first week of combat. The
        official said the troops had been integrated into Russian units and were taking part in assaults on Ukrainian
        positions near the town of Sudzha.
        """;

    protected const string Unrelated = """
        The central bank raised its key interest rate by two percentage points on Friday, more than analysts had expected,
        saying inflation had accelerated for the third month in a row and that lending had to slow before prices could
        stabilise next year.
        """;

    protected ManualTimeProvider Clock { get; } = new(Samples.Now);

    protected abstract INearDuplicateStore Create();

    protected static NearDuplicateEntry Entry(string id, string text, string source = "reuters", string? original = null) => new(
        id, source, SourceKind.Wire, MinHashSignature.Compute(text)!, original ?? id, original is null ? source : "ap", SourceKind.Wire);

    [Fact]
    public async Task An_empty_store_finds_nothing()
    {
        Assert.Empty(await Create().FindCandidatesAsync(MinHashSignature.Compute(Wire)!.BandTokens(), 10));
    }

    [Fact]
    public async Task An_added_entry_is_found_by_its_band_tokens_with_every_field()
    {
        var store = Create();
        var entry = Entry("a1", Wire, original: "ap-0");
        await store.AddAsync(entry);

        var found = Assert.Single(await store.FindCandidatesAsync(entry.Signature.BandTokens(), 10));
        Assert.Equal(("a1", "reuters", SourceKind.Wire, "ap-0", "ap", SourceKind.Wire),
            (found.ArticleId, found.SourceId, found.SourceKind, found.OriginalArticleId, found.OriginalSourceId, found.OriginalSourceKind));
        Assert.Equal(entry.Signature.Values.ToArray(), found.Signature.Values.ToArray());
    }

    [Fact]
    public async Task One_shared_band_token_is_enough_and_none_finds_nothing()
    {
        var store = Create();
        var entry = Entry("a1", Wire);
        await store.AddAsync(entry);

        Assert.Single(await store.FindCandidatesAsync([entry.Signature.BandTokens()[7], "7:0000000000000000"], 10));
        Assert.Empty(await store.FindCandidatesAsync(MinHashSignature.Compute(Unrelated)!.BandTokens(), 10));
    }

    /// <summary>The signature of <see cref="Wire"/> with every band but the first changed (by <paramref name="salt"/>).</summary>
    private static MinHashSignature SharingFirstBandOnly(int salt)
    {
        var bytes = MinHashSignature.Compute(Wire)!.ToBytes();
        for (var i = MinHashSignature.RowsPerBand * sizeof(uint); i < bytes.Length; i++)
        {
            bytes[i] ^= (byte)(salt * 31 + i);
        }

        return MinHashSignature.FromBytes(bytes);
    }

    [Fact]
    public async Task Candidates_sharing_more_bands_come_first()
    {
        var store = Create();
        var tokens = MinHashSignature.Compute(Wire)!.BandTokens();
        await store.AddAsync(Entry("a-one-band", Wire) with { Signature = SharingFirstBandOnly(1) });
        await store.AddAsync(Entry("z-all-bands", Wire));

        var best = Assert.Single(await store.FindCandidatesAsync(tokens, 1));
        Assert.Equal("z-all-bands", best.ArticleId);
    }

    [Fact]
    public async Task A_band_shared_by_too_many_articles_is_passed_over()
    {
        var store = Create();
        var tokens = MinHashSignature.Compute(Wire)!.BandTokens();
        for (var i = 0; i <= NearDuplicateStore.MaxBandBucket; i++)
        {
            await store.AddAsync(Entry($"b{i}", Wire) with { Signature = SharingFirstBandOnly(i + 1) });
        }

        Assert.Empty(await store.FindCandidatesAsync([tokens[0]], 10));
    }

    [Fact]
    public async Task Candidates_are_distinct_and_limited()
    {
        var store = Create();
        for (var i = 0; i < 5; i++)
        {
            await store.AddAsync(Entry($"a{i}", Wire));
        }

        var tokens = MinHashSignature.Compute(Wire)!.BandTokens();
        Assert.Equal(5, (await store.FindCandidatesAsync(tokens, 10)).Select(e => e.ArticleId).Distinct().Count());
        Assert.Equal(3, (await store.FindCandidatesAsync(tokens, 3)).Count);
    }

    [Fact]
    public async Task A_removed_entry_is_no_longer_found_and_others_stay()
    {
        var store = Create();
        var first = Entry("a1", Wire);
        await store.AddAsync(first);
        await store.AddAsync(Entry("a2", Wire));

        await store.RemoveAsync("a1", first.Signature.BandTokens());

        Assert.Equal(["a2"], (await store.FindCandidatesAsync(first.Signature.BandTokens(), 10)).Select(e => e.ArticleId));
    }

    [Fact]
    public async Task Adding_the_same_article_again_replaces_it()
    {
        var store = Create();
        await store.AddAsync(Entry("a1", Wire));
        await store.AddAsync(Entry("a1", Wire, original: "ap-0"));

        var found = Assert.Single(await store.FindCandidatesAsync(MinHashSignature.Compute(Wire)!.BandTokens(), 10));
        Assert.Equal("ap-0", found.OriginalArticleId);
    }

    /// <summary>Makes the store's entries older than the window (the in-memory clock, or Redis's own key expiry).</summary>
    protected abstract Task ExpireAsync(string articleId);

    [Fact]
    public async Task Entries_older_than_the_window_are_not_found()
    {
        var store = Create();
        await store.AddAsync(Entry("a1", Wire));
        await ExpireAsync("a1");

        Assert.Empty(await store.FindCandidatesAsync(MinHashSignature.Compute(Wire)!.BandTokens(), 10));
    }
}

public sealed class InMemoryNearDuplicateStoreTests : NearDuplicateStoreContractTests
{
    private InMemoryNearDuplicateStore? _store;

    protected override INearDuplicateStore Create() =>
        _store ??= new InMemoryNearDuplicateStore(Clock, Options.Create(new IngestOptions { NearDuplicateWindow = TimeSpan.FromDays(30) }));

    protected override Task ExpireAsync(string articleId)
    {
        Clock.Advance(TimeSpan.FromDays(30));
        return Task.CompletedTask;
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisNearDuplicateStoreTests(RedisFixture redis) : NearDuplicateStoreContractTests
{
    private readonly IDatabase _database = TestRedis.Database(redis, out _);

    protected override INearDuplicateStore Create() =>
        new RedisNearDuplicateStore(_database, Options.Create(new IngestOptions { NearDuplicateWindow = TimeSpan.FromDays(30) }));

    protected override Task ExpireAsync(string articleId) => _database.KeyDeleteAsync("ing:nd:a:" + articleId);

    [Fact]
    public async Task Keys_carry_the_window_as_their_expiry()
    {
        var entry = Entry("a1", Wire);
        await Create().AddAsync(entry);

        var entryTtl = await _database.KeyTimeToLiveAsync("ing:nd:a:a1");
        var bandTtl = await _database.KeyTimeToLiveAsync("ing:nd:b:" + entry.Signature.BandTokens()[0]);
        Assert.InRange(entryTtl!.Value, TimeSpan.FromDays(29), TimeSpan.FromDays(30));
        Assert.InRange(bandTtl!.Value, TimeSpan.FromDays(29), TimeSpan.FromDays(30));
    }
}
