using NarrativeMonitor.Testing;

namespace NarrativeMonitor.Ingest.Feeds.Tests;

public abstract class FeedStoreContractTests
{
    private static readonly DateTimeOffset T0 = Samples.Now;

    protected abstract IFeedStore Store { get; }

    private static FeedRecord Feed(string id, string sourceId = "tass", FeedState state = FeedState.Active) =>
        new(id, sourceId, $"https://{sourceId}.example/{id}.xml", FeedKind.Rss, TimeSpan.FromMinutes(5), state, T0);

    [Fact]
    public async Task Add_then_get_round_trips_the_feed_with_an_empty_poll_state_and_its_due_time()
    {
        var feed = Feed("a") with { Kind = FeedKind.Telegram, Url = "https://t.me/s/rian_ru" };

        Assert.True(await Store.TryAddAsync(feed, T0.AddSeconds(3)));

        var snapshot = await Store.GetAsync("a");
        Assert.NotNull(snapshot);
        Assert.Equal(feed, snapshot.Feed);
        Assert.Equal(FeedPollState.Empty, snapshot.Poll);
        Assert.Equal(T0.AddSeconds(3), snapshot.DueAt);
        Assert.Null(await Store.GetAsync("missing"));
    }

    [Fact]
    public async Task An_id_is_added_once()
    {
        Assert.True(await Store.TryAddAsync(Feed("a"), T0));
        Assert.False(await Store.TryAddAsync(Feed("a", "isw"), T0));

        Assert.Equal("tass", (await Store.GetAsync("a"))!.Feed.SourceId);
    }

    [Fact]
    public async Task A_feed_added_paused_is_not_scheduled()
    {
        await Store.TryAddAsync(Feed("a", state: FeedState.Paused), T0);

        Assert.Empty(await Store.DueAsync(T0.AddDays(1), 10));
        Assert.Null((await Store.GetAsync("a"))!.DueAt);
    }

    [Fact]
    public async Task List_is_ordered_by_id_and_filters_by_source()
    {
        foreach (var feed in new[] { Feed("c"), Feed("a", "isw"), Feed("b") })
        {
            await Store.TryAddAsync(feed, T0);
        }

        Assert.Equal(["a", "b", "c"], (await Store.ListAsync()).Select(s => s.Feed.Id));
        Assert.Equal(["b", "c"], (await Store.ListAsync("tass")).Select(s => s.Feed.Id));
        Assert.Empty(await Store.ListAsync("nobody"));
    }

    [Fact]
    public async Task Due_answers_active_feeds_due_by_now_earliest_first_up_to_max()
    {
        await Store.TryAddAsync(Feed("late"), T0.AddMinutes(10));
        await Store.TryAddAsync(Feed("second"), T0.AddMinutes(2));
        await Store.TryAddAsync(Feed("first"), T0.AddMinutes(1));
        await Store.TryAddAsync(Feed("third"), T0.AddMinutes(3));

        Assert.Equal(["first", "second", "third"], await Store.DueAsync(T0.AddMinutes(3), 10));
        Assert.Equal(["first", "second"], await Store.DueAsync(T0.AddMinutes(5), 2));
        Assert.Empty(await Store.DueAsync(T0, 10));
    }

    [Fact]
    public async Task Pause_unschedules_and_resume_schedules_at_now_keeping_the_due_time_of_an_active_feed()
    {
        await Store.TryAddAsync(Feed("a"), T0.AddMinutes(5));

        var paused = await Store.SetStateAsync("a", FeedState.Paused, T0);
        Assert.Equal(FeedState.Paused, paused!.State);
        Assert.Equal(FeedState.Paused, (await Store.GetAsync("a"))!.Feed.State);
        Assert.Empty(await Store.DueAsync(T0.AddDays(1), 10));

        var resumed = await Store.SetStateAsync("a", FeedState.Active, T0.AddMinutes(1));
        Assert.Equal(FeedState.Active, resumed!.State);
        Assert.Equal(T0.AddMinutes(1), (await Store.GetAsync("a"))!.DueAt);

        await Store.SetStateAsync("a", FeedState.Active, T0.AddMinutes(2));
        Assert.Equal(T0.AddMinutes(1), (await Store.GetAsync("a"))!.DueAt);
        Assert.Null(await Store.SetStateAsync("missing", FeedState.Paused, T0));
    }

    [Fact]
    public async Task Save_poll_stores_the_state_and_reschedules_an_active_feed()
    {
        await Store.TryAddAsync(Feed("a"), T0);
        var state = new FeedPollState
        {
            LastPolledAt = T0.AddSeconds(1),
            LastSuccessAt = T0.AddSeconds(1),
            LastErrorAt = T0.AddSeconds(-30),
            LastError = "HTTP 503 Service Unavailable",
            ConsecutiveFailures = 0,
            ItemsSeen = 5,
            ItemsAccepted = 3,
            ItemsDuplicate = 1,
            ItemsRejected = 1,
            NotModifiedPolls = 2,
            DetectedKind = FeedKind.Atom,
            ETag = "\"v1\"",
            LastModified = "Wed, 18 Dec 2024 09:30:00 GMT",
        };

        Assert.True(await Store.SavePollAsync("a", state, T0.AddMinutes(5)));

        var snapshot = (await Store.GetAsync("a"))!;
        Assert.Equal(state, snapshot.Poll);
        Assert.Equal(T0.AddMinutes(5), snapshot.DueAt);
        Assert.Equal(state, (await Store.ListAsync()).Single().Poll);
    }

    [Fact]
    public async Task Save_poll_leaves_a_paused_feed_unscheduled_and_does_nothing_for_a_removed_one()
    {
        await Store.TryAddAsync(Feed("paused"), T0);
        await Store.SetStateAsync("paused", FeedState.Paused, T0);

        Assert.True(await Store.SavePollAsync("paused", new FeedPollState { ItemsSeen = 1 }, T0.AddMinutes(5)));
        Assert.Empty(await Store.DueAsync(T0.AddDays(1), 10));
        Assert.Equal(1, (await Store.GetAsync("paused"))!.Poll.ItemsSeen);

        Assert.False(await Store.SavePollAsync("gone", new FeedPollState { ItemsSeen = 1 }, T0.AddMinutes(5)));
        Assert.Null(await Store.GetAsync("gone"));
        Assert.Empty(await Store.ListAsync("tass").ContinueWith(t => t.Result.Where(s => s.Feed.Id == "gone").ToList()));
    }

    [Fact]
    public async Task Remove_deletes_the_feed_its_state_schedule_and_seen_items()
    {
        await Store.TryAddAsync(Feed("a"), T0);
        await Store.SavePollAsync("a", new FeedPollState { ItemsSeen = 1 }, T0);
        await Store.MarkSeenAsync("a", ["k1"], T0, 100);

        Assert.True(await Store.RemoveAsync("a"));
        Assert.False(await Store.RemoveAsync("a"));

        Assert.Null(await Store.GetAsync("a"));
        Assert.Empty(await Store.DueAsync(T0.AddDays(1), 10));
        await Store.TryAddAsync(Feed("a"), T0);
        Assert.Equal(FeedPollState.Empty, (await Store.GetAsync("a"))!.Poll);
        Assert.Equal(["k1"], await Store.UnseenAsync("a", ["k1"]));
    }

    [Fact]
    public async Task Seen_items_are_remembered_per_feed_and_only_the_most_recent_are_kept()
    {
        Assert.Equal(["k1", "k2"], (await Store.UnseenAsync("a", ["k1", "k2"])).Order());

        await Store.MarkSeenAsync("a", ["k1"], T0, 3);
        await Store.MarkSeenAsync("a", ["k2", "k3"], T0.AddMinutes(1), 3);
        Assert.Equal(["k4"], await Store.UnseenAsync("a", ["k1", "k2", "k3", "k4"]));
        Assert.Equal(["k1"], await Store.UnseenAsync("b", ["k1"]));

        // Marking k1 again does not refresh it; k4 pushes out the oldest, k1.
        await Store.MarkSeenAsync("a", ["k1", "k4"], T0.AddMinutes(2), 3);
        Assert.Equal(["k1"], await Store.UnseenAsync("a", ["k1", "k2", "k3", "k4"]));
        Assert.Empty(await Store.UnseenAsync("a", []));
    }
}

public sealed class InMemoryFeedStoreTests : FeedStoreContractTests
{
    protected override IFeedStore Store { get; } = new InMemoryFeedStore();
}

[Collection(RedisCollection.Name)]
public sealed class RedisFeedStoreTests(RedisFixture redis) : FeedStoreContractTests
{
    protected override IFeedStore Store { get; } = new RedisFeedStore(TestRedis.Database(redis, RedisFixture.UniquePrefix()));
}

public abstract class FeedLeasesContractTests
{
    protected abstract IFeedLeases Leases { get; }

    [Fact]
    public async Task A_lease_is_held_by_one_holder_until_released()
    {
        var token = await Leases.TryAcquireAsync("a", TimeSpan.FromMinutes(1));
        Assert.NotNull(token);
        Assert.Null(await Leases.TryAcquireAsync("a", TimeSpan.FromMinutes(1)));
        Assert.NotNull(await Leases.TryAcquireAsync("b", TimeSpan.FromMinutes(1)));

        await Leases.ReleaseAsync("a", token);

        Assert.NotNull(await Leases.TryAcquireAsync("a", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Release_with_another_token_leaves_the_lease_alone()
    {
        var token = await Leases.TryAcquireAsync("a", TimeSpan.FromMinutes(1));

        await Leases.ReleaseAsync("a", "not-the-token");

        Assert.Null(await Leases.TryAcquireAsync("a", TimeSpan.FromMinutes(1)));
        await Leases.ReleaseAsync("a", token!);
    }

    [Fact]
    public async Task An_expired_lease_can_be_taken_and_its_old_holder_cannot_release_the_new_one()
    {
        var stale = await Leases.TryAcquireAsync("a", TimeSpan.FromMilliseconds(100));
        Assert.NotNull(stale);
        await Task.Delay(300);

        var fresh = await Leases.TryAcquireAsync("a", TimeSpan.FromMinutes(1));
        Assert.NotNull(fresh);

        await Leases.ReleaseAsync("a", stale);
        Assert.Null(await Leases.TryAcquireAsync("a", TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task Of_concurrent_acquirers_exactly_one_wins()
    {
        var tokens = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => Leases.TryAcquireAsync("contended", TimeSpan.FromMinutes(1)))));

        Assert.Single(tokens, t => t is not null);
    }
}

public sealed class InMemoryFeedLeasesTests : FeedLeasesContractTests
{
    protected override IFeedLeases Leases { get; } = new InMemoryFeedLeases(TimeProvider.System);
}

[Collection(RedisCollection.Name)]
public sealed class RedisFeedLeasesTests(RedisFixture redis) : FeedLeasesContractTests
{
    protected override IFeedLeases Leases { get; } = new RedisFeedLeases(TestRedis.Database(redis, RedisFixture.UniquePrefix()));
}
