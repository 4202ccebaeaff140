using NarrativeMonitor.Testing;

namespace NarrativeMonitor.Ingest.Feeds.Tests;

/// <summary>Two ingest replicas on one Redis: each feed is polled once per due time, whichever replica gets it.</summary>
[Collection(RedisCollection.Name)]
public sealed class LeaseScaleOutTests(RedisFixture redis) : IAsyncLifetime
{
    private LocalServer _server = null!;
    private FeedTestHost _first = null!;
    private FeedTestHost _second = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync();
        var settings = FeedTestHost.DefaultSettings();
        settings["Storage:Provider"] = "Redis";
        settings["Storage:RedisConnection"] = redis.ConnectionString;
        settings["Storage:KeyPrefix"] = RedisFixture.UniquePrefix();
        settings["Feeds:MaxConcurrentPerHost"] = "16";
        var clock = new ManualTimeProvider(Samples.Now);
        _first = await FeedTestHost.StartAsync(settings, clock);
        _second = await FeedTestHost.StartAsync(settings, clock);
    }

    public async Task DisposeAsync()
    {
        await _first.DisposeAsync();
        await _second.DisposeAsync();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Two_workers_on_one_redis_poll_each_feed_once_per_due_time()
    {
        const int feeds = 12;
        _server.Map("/feed", async context =>
        {
            // Slow enough that both workers are busy with the same due set at once.
            await Task.Delay(50);
            context.Response.ContentType = Samples.RssContentType;
            await Microsoft.AspNetCore.Http.HttpResponseWritingExtensions.WriteAsync(context.Response,
                Samples.Rss(Samples.NumberedItem(_server, int.Parse(context.Request.Query["n"]!))));
        });
        for (var n = 0; n < feeds; n++)
        {
            await _first.AddFeedAsync(_server.Url($"feed?n={n}"));
        }

        for (var round = 1; round <= 3; round++)
        {
            var polled = await Task.WhenAll(_first.Worker.RunDueAsync(), _second.Worker.RunDueAsync(), _first.Worker.RunDueAsync(), _second.Worker.RunDueAsync());

            Assert.Equal(feeds, polled.Sum());
            Assert.Equal(feeds * round, _server.CountRequests("/feed"));
            var perFeed = _server.Requests.GroupBy(r => r.Query).ToList();
            Assert.Equal(feeds, perFeed.Count);
            Assert.All(perFeed, g => Assert.Equal(round, g.Count()));
            _first.Clock.Advance(TimeSpan.FromMinutes(1));
        }

        // Each item was ingested once, although both replicas ran the pipeline.
        Assert.Equal(feeds, _first.Published().Count + _second.Published().Count);
    }
}
