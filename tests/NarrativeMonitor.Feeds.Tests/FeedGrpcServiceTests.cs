using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Protos.Ingest.V1;
using ProtoFeedKind = NarrativeMonitor.Protos.Ingest.V1.FeedKind;
using ProtoFeedState = NarrativeMonitor.Protos.Ingest.V1.FeedState;

namespace NarrativeMonitor.Ingest.Feeds.Tests;

public sealed class FeedGrpcServiceTests : IAsyncLifetime
{
    private FeedTestHost _host = null!;

    public async Task InitializeAsync() => _host = await FeedTestHost.StartAsync();

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static Feed NewFeed(string url = "https://tass.example/rss.xml", string sourceId = "tass") => new()
    {
        SourceId = sourceId,
        Url = url,
    };

    private Task<Feed> Add(Feed feed) => _host.Grpc().AddFeed(new AddFeedRequest { Feed = feed }, new TestServerCallContext());

    private async Task<RpcException> AddFails(Feed? feed) =>
        await Assert.ThrowsAsync<RpcException>(() => _host.Grpc().AddFeed(new AddFeedRequest { Feed = feed }, new TestServerCallContext()));

    [Fact]
    public async Task Add_fills_in_id_default_interval_and_state_and_normalizes_the_url()
    {
        var feed = await Add(NewFeed("HTTPS://TASS.example:443/rss.xml?utm_source=x"));

        Assert.Equal(FeedValidator.DeriveId("tass", "https://tass.example/rss.xml"), feed.Id);
        Assert.Equal("https://tass.example/rss.xml", feed.Url);
        Assert.Equal(ProtoFeedKind.Unspecified, feed.Kind);
        Assert.Equal(TimeSpan.FromMinutes(1), feed.PollInterval.ToTimeSpan());
        Assert.Equal(ProtoFeedState.Active, feed.State);
        Assert.Equal(Samples.Now, feed.CreatedAt.ToDateTimeOffset());

        var health = await _host.Grpc().GetFeedHealth(new GetFeedHealthRequest { FeedId = feed.Id }, new TestServerCallContext());
        Assert.Equal(Samples.Now, health.NextPollAt.ToDateTimeOffset());
        Assert.Null(health.LastPolledAt);
    }

    [Fact]
    public async Task Add_detects_a_telegram_channel_and_keeps_an_explicit_kind_and_interval()
    {
        var telegram = await Add(NewFeed("@rian_ru"));
        Assert.Equal(ProtoFeedKind.Telegram, telegram.Kind);
        Assert.Equal("https://t.me/s/rian_ru", telegram.Url);

        var atom = await Add(new Feed { Id = "isw-updates", SourceId = "isw", Url = "https://isw.example/atom", Kind = ProtoFeedKind.Atom, PollInterval = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)), State = ProtoFeedState.Paused });
        Assert.Equal("isw-updates", atom.Id);
        Assert.Equal(ProtoFeedKind.Atom, atom.Kind);
        Assert.Equal(TimeSpan.FromMinutes(30), atom.PollInterval.ToTimeSpan());
        Assert.Equal(ProtoFeedState.Paused, atom.State);
    }

    public static TheoryData<Feed?, string> InvalidFeeds => new()
    {
        { null, "feed: is required" },
        { new Feed { Id = "bad id", SourceId = "tass", Url = "https://tass.example/rss" }, "feed.id: " },
        { new Feed { Url = "https://tass.example/rss" }, "feed.source_id: is required" },
        { new Feed { SourceId = "nobody", Url = "https://tass.example/rss" }, "feed.source_id: unknown source 'nobody'" },
        { new Feed { SourceId = "tass" }, "feed.url: is required" },
        { new Feed { SourceId = "tass", Url = "ftp://tass.example/rss" }, "feed.url: must be an absolute http or https URL" },
        { new Feed { SourceId = "tass", Url = "/rss.xml" }, "feed.url: must be an absolute http or https URL" },
        { new Feed { SourceId = "tass", Url = "https://tass.example/rss", Kind = ProtoFeedKind.Telegram }, "feed.url: must be a public Telegram channel" },
        { new Feed { SourceId = "tass", Url = "https://tass.example/rss", Kind = (ProtoFeedKind)42 }, "feed.kind: unknown kind 42" },
        { new Feed { SourceId = "tass", Url = "https://tass.example/rss", PollInterval = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(500)) }, "feed.poll_interval: must lie between" },
        { new Feed { SourceId = "tass", Url = "https://tass.example/rss", PollInterval = Duration.FromTimeSpan(TimeSpan.FromDays(2)) }, "feed.poll_interval: must lie between" },
        { new Feed { SourceId = "tass", Url = "https://tass.example/rss", State = (ProtoFeedState)9 }, "feed.state: unknown state 9" },
    };

    [Theory]
    [MemberData(nameof(InvalidFeeds))]
    public async Task Add_refuses_an_invalid_feed_naming_the_field(Feed? feed, string message)
    {
        var error = await AddFails(feed);

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith(message, error.Status.Detail);
        Assert.Empty((await _host.Grpc().ListFeeds(new ListFeedsRequest(), new TestServerCallContext())).Feeds);
    }

    [Fact]
    public async Task Add_refuses_a_taken_id_and_the_same_url_of_the_same_source()
    {
        await Add(new Feed { Id = "main", SourceId = "tass", Url = "https://tass.example/rss.xml" });

        var sameId = await AddFails(new Feed { Id = "main", SourceId = "tass", Url = "https://tass.example/other.xml" });
        Assert.Equal(StatusCode.AlreadyExists, sameId.StatusCode);
        Assert.Equal("feed.id: feed 'main' already exists", sameId.Status.Detail);

        var sameUrl = await AddFails(new Feed { SourceId = "tass", Url = "https://TASS.example/rss.xml#top" });
        Assert.Equal(StatusCode.AlreadyExists, sameUrl.StatusCode);
        Assert.Equal("feed.url: already registered for source 'tass' as feed 'main'", sameUrl.Status.Detail);

        // Another source may carry the same URL.
        await Add(new Feed { SourceId = "isw", Url = "https://tass.example/rss.xml" });
    }

    [Fact]
    public async Task List_is_ordered_by_id_and_filtered_by_source()
    {
        await Add(new Feed { Id = "c", SourceId = "tass", Url = "https://tass.example/c" });
        await Add(new Feed { Id = "a", SourceId = "isw", Url = "https://isw.example/a" });
        await Add(new Feed { Id = "b", SourceId = "tass", Url = "https://tass.example/b" });

        var all = await _host.Grpc().ListFeeds(new ListFeedsRequest(), new TestServerCallContext());
        var tass = await _host.Grpc().ListFeeds(new ListFeedsRequest { SourceId = "tass" }, new TestServerCallContext());
        var health = await _host.Grpc().ListFeedHealth(new ListFeedHealthRequest { SourceId = "isw" }, new TestServerCallContext());

        Assert.Equal(["a", "b", "c"], all.Feeds.Select(f => f.Id));
        Assert.Equal(["b", "c"], tass.Feeds.Select(f => f.Id));
        Assert.Equal(["a"], health.Feeds.Select(f => f.FeedId));
        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Grpc().ListFeeds(new ListFeedsRequest { SourceId = "bad id" }, new TestServerCallContext()));
        Assert.StartsWith("source_id: ", error.Status.Detail);
    }

    [Fact]
    public async Task Pause_resume_and_remove_change_the_state_and_answer_not_found_for_unknown_ids()
    {
        var feed = await Add(NewFeed());
        var service = _host.Grpc();

        var paused = await service.PauseFeed(new PauseFeedRequest { FeedId = feed.Id }, new TestServerCallContext());
        Assert.Equal(ProtoFeedState.Paused, paused.State);
        var pausedHealth = await service.GetFeedHealth(new GetFeedHealthRequest { FeedId = feed.Id }, new TestServerCallContext());
        Assert.Equal(ProtoFeedState.Paused, pausedHealth.State);
        Assert.Null(pausedHealth.NextPollAt);

        _host.Clock.Advance(TimeSpan.FromMinutes(3));
        var resumed = await service.ResumeFeed(new ResumeFeedRequest { FeedId = feed.Id }, new TestServerCallContext());
        Assert.Equal(ProtoFeedState.Active, resumed.State);
        Assert.Equal(Samples.Now.AddMinutes(3), (await service.GetFeedHealth(new GetFeedHealthRequest { FeedId = feed.Id }, new TestServerCallContext())).NextPollAt.ToDateTimeOffset());

        await service.RemoveFeed(new RemoveFeedRequest { FeedId = feed.Id }, new TestServerCallContext());
        Assert.Empty((await service.ListFeeds(new ListFeedsRequest(), new TestServerCallContext())).Feeds);

        foreach (var call in new Func<Task>[]
        {
            () => service.PauseFeed(new PauseFeedRequest { FeedId = feed.Id }, new TestServerCallContext()),
            () => service.ResumeFeed(new ResumeFeedRequest { FeedId = feed.Id }, new TestServerCallContext()),
            () => service.RemoveFeed(new RemoveFeedRequest { FeedId = feed.Id }, new TestServerCallContext()),
            () => service.GetFeedHealth(new GetFeedHealthRequest { FeedId = feed.Id }, new TestServerCallContext()),
        })
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.NotFound, error.StatusCode);
            Assert.Equal($"feed_id: no feed '{feed.Id}'", error.Status.Detail);
        }

        var missing = await Assert.ThrowsAsync<RpcException>(() => service.PauseFeed(new PauseFeedRequest(), new TestServerCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.Equal("feed_id: is required", missing.Status.Detail);
    }
}

public sealed class FeedOptionsTests
{
    private static FeedOptions Resolve(params (string Key, string Value)[] settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings.Select(s => new KeyValuePair<string, string?>(s.Key, s.Value)));
        builder.Services.AddLogging();
        builder.AddIngestServices();
        using var services = builder.Services.BuildServiceProvider();
        return services.GetRequiredService<IOptions<FeedOptions>>().Value;
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        var options = Resolve(("Storage:Provider", "InMemory"));

        Assert.True(options.Enabled);
        Assert.Equal(2, options.MaxConcurrentPerHost);
        Assert.Equal(TimeSpan.FromMinutes(15), options.DefaultPollInterval);
    }

    [Theory]
    [InlineData("Feeds:BackoffBase", "12:00:00", "Feeds:BackoffBase must not exceed Feeds:BackoffMax")]
    [InlineData("Feeds:MaxConcurrentPerHost", "0", "MaxConcurrentPerHost")]
    [InlineData("Feeds:MaxResponseBytes", "10", "MaxResponseBytes")]
    [InlineData("Feeds:RequestTimeout", "00:10:00", "RequestTimeout")]
    [InlineData("Feeds:LeaseDuration", "00:00:05", "Feeds:LeaseDuration must exceed Feeds:RequestTimeout")]
    [InlineData("Feeds:TelegramBaseUrl", "t.me", "Feeds:TelegramBaseUrl must be an absolute http or https URL")]
    [InlineData("Feeds:UserAgent", "", "UserAgent")]
    public void Invalid_options_are_refused_naming_the_key(string key, string value, string message)
    {
        var error = Assert.Throws<OptionsValidationException>(() => Resolve(("Storage:Provider", "InMemory"), (key, value)));

        Assert.Contains(message, error.Message);
    }
}
