using System.Text;
using Microsoft.AspNetCore.Http;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Ingest.Feeds.Tests;

/// <summary>The worker and poller against a feed server on loopback, ingesting through the real pipeline (in memory).</summary>
public sealed class PollingTests : IAsyncLifetime
{
    private LocalServer _server = null!;
    private FeedTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync();
        _host = await FeedTestHost.StartAsync();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<FeedHealth> Health(string feedId) =>
        await _host.Grpc().GetFeedHealth(new GetFeedHealthRequest { FeedId = feedId }, new TestServerCallContext());

    [Fact]
    public async Task Every_item_of_a_first_poll_goes_through_the_pipeline_and_is_published()
    {
        _server.MapContent("/feed.xml", () => Samples.Rss(Samples.NumberedItem(_server, 1), Samples.NumberedItem(_server, 2) with { Guid = "urn:tass:2" }), Samples.RssContentType);
        var feed = await _host.AddFeedAsync(_server.Url("feed.xml"));

        Assert.Equal(1, await _host.Worker.RunDueAsync());

        var published = _host.Published().OrderBy(m => m.Url).ToList();
        Assert.Equal(2, published.Count);
        Assert.Equal(_server.Url("news/1"), published[0].Url);
        Assert.Equal(ArticleValidator.DeriveId("tass", _server.Url("news/1")), published[0].ArticleId);
        Assert.Equal(FeedPoller.ArticleId("tass", new FeedItem { Guid = "urn:tass:2", Link = _server.Url("news/2") }), published[1].ArticleId);
        Assert.StartsWith("f-", published[1].ArticleId);
        Assert.Equal("Report number 1 on the fighting", published[0].Title);
        Assert.Equal("Full text of report 1: fighting in the Kursk region continued on day 1.\n\nSecond paragraph of report 1.", published[0].Body);
        Assert.Equal(new DateTimeOffset(2024, 12, 18, 9, 30, 0, TimeSpan.Zero), published[0].PublishedAt);
        Assert.Equal(Contracts.SourceKind.StateMedia, published[0].SourceKind);

        var health = await Health(feed.Id);
        Assert.Equal(2, health.ItemsSeen);
        Assert.Equal(2, health.ItemsAccepted);
        Assert.Equal(0, health.ConsecutiveFailures);
        Assert.Equal(Samples.Now, health.LastSuccessAt.ToDateTimeOffset());
        Assert.Equal(Samples.Now.AddMinutes(1), health.NextPollAt.ToDateTimeOffset());
        Assert.Equal(Protos.Ingest.V1.FeedKind.Rss, health.DetectedKind);
        Assert.Equal("NarrativeMonitor-Tests/1.0", _server.Requests.Single().UserAgent);
    }

    [Fact]
    public async Task A_feed_is_polled_again_only_when_its_interval_has_passed()
    {
        _server.MapContent("/feed.xml", () => Samples.Rss(Samples.NumberedItem(_server, 1)), Samples.RssContentType);
        await _host.AddFeedAsync(_server.Url("feed.xml"), interval: TimeSpan.FromMinutes(5));

        Assert.Equal(1, await _host.Worker.RunDueAsync());
        _host.Clock.Advance(TimeSpan.FromMinutes(4));
        Assert.Equal(0, await _host.Worker.RunDueAsync());
        _host.Clock.Advance(TimeSpan.FromMinutes(1));
        Assert.Equal(1, await _host.Worker.RunDueAsync());

        Assert.Equal(2, _server.CountRequests("/feed.xml"));
    }

    [Fact]
    public async Task The_second_poll_sends_the_etag_and_a_304_ingests_nothing()
    {
        _server.MapContent("/feed.xml", () => Samples.Rss(Samples.NumberedItem(_server, 1)), Samples.RssContentType, etag: "\"v1\"");
        var feed = await _host.AddFeedAsync(_server.Url("feed.xml"));
        await _host.Worker.RunDueAsync();
        _host.Clock.Advance(TimeSpan.FromMinutes(1));

        Assert.Equal(1, await _host.Worker.RunDueAsync());

        var requests = _server.Requests.ToList();
        Assert.Null(requests[0].IfNoneMatch);
        Assert.Equal("\"v1\"", requests[1].IfNoneMatch);
        Assert.Single(_host.Published());
        var health = await Health(feed.Id);
        Assert.Equal(1, health.NotModifiedPolls);
        Assert.Equal(1, health.ItemsSeen);
        Assert.Equal(Samples.Now.AddMinutes(1), health.LastSuccessAt.ToDateTimeOffset());
        Assert.Equal(Samples.Now.AddMinutes(2), health.NextPollAt.ToDateTimeOffset());
        // The validators survive a 304, so the third poll sends them again.
        _host.Clock.Advance(TimeSpan.FromMinutes(1));
        await _host.Worker.RunDueAsync();
        Assert.Equal("\"v1\"", _server.Requests.Last().IfNoneMatch);
    }

    [Fact]
    public async Task The_second_poll_sends_last_modified_back_as_if_modified_since()
    {
        const string lastModified = "Wed, 18 Dec 2024 09:30:00 GMT";
        _server.MapContent("/feed.xml", () => Samples.Rss(Samples.NumberedItem(_server, 1)), Samples.RssContentType, lastModified: lastModified);
        var feed = await _host.AddFeedAsync(_server.Url("feed.xml"));
        await _host.Worker.RunDueAsync();
        _host.Clock.Advance(TimeSpan.FromMinutes(1));

        await _host.Worker.RunDueAsync();

        Assert.Equal(lastModified, _server.Requests.Last().IfModifiedSince);
        Assert.Null(_server.Requests.Last().IfNoneMatch);
        Assert.Single(_host.Published());
        Assert.Equal(1, (await Health(feed.Id)).NotModifiedPolls);
    }

    [Fact]
    public async Task Without_validators_items_seen_before_are_not_submitted_again_and_only_new_ones_are()
    {
        var items = new List<Samples.RssItem> { Samples.NumberedItem(_server, 1), Samples.NumberedItem(_server, 2) };
        _server.MapContent("/feed.xml", () => Samples.Rss([.. items]), Samples.RssContentType);
        var feed = await _host.AddFeedAsync(_server.Url("feed.xml"));
        await _host.Worker.RunDueAsync();

        _host.Clock.Advance(TimeSpan.FromMinutes(1));
        items.Insert(0, Samples.NumberedItem(_server, 3));
        await _host.Worker.RunDueAsync();

        Assert.Equal(3, _host.Published().Count);
        var health = await Health(feed.Id);
        Assert.Equal(3, health.ItemsSeen);
        Assert.Equal(3, health.ItemsAccepted);
        Assert.Equal(0, health.ItemsDuplicate);
    }

    [Fact]
    public async Task An_item_already_pushed_over_grpc_is_a_duplicate_and_an_item_without_title_or_body_is_rejected()
    {
        await _host.Ingest().SubmitArticle(new SubmitArticleRequest
        {
            Article = new Article
            {
                SourceId = "tass",
                Url = _server.Url("news/1"),
                PublishedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(Samples.Now.AddHours(-1)),
                Title = "Pushed earlier",
                Body = "Pushed body.",
            },
        }, new TestServerCallContext());
        _server.MapContent("/feed.xml", () => Samples.Rss(
            Samples.NumberedItem(_server, 1),
            new Samples.RssItem("", _server.Url("news/empty")),
            Samples.NumberedItem(_server, 2)), Samples.RssContentType);
        var feed = await _host.AddFeedAsync(_server.Url("feed.xml"));

        await _host.Worker.RunDueAsync();

        var health = await Health(feed.Id);
        Assert.Equal(3, health.ItemsSeen);
        Assert.Equal(1, health.ItemsAccepted);
        Assert.Equal(1, health.ItemsDuplicate);
        Assert.Equal(1, health.ItemsRejected);
        Assert.Equal(2, _host.Published().Count);
    }

    [Fact]
    public async Task A_slow_host_times_out_and_the_feed_backs_off()
    {
        _server.Map("/slow.xml", async context =>
        {
            await Task.Delay(TimeSpan.FromSeconds(10), context.RequestAborted);
        });
        var feed = await _host.AddFeedAsync(_server.Url("slow.xml"));

        var started = DateTime.UtcNow;
        Assert.Equal(1, await _host.Worker.RunDueAsync());

        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(8));
        var health = await Health(feed.Id);
        Assert.Equal("no complete response within 2 s", health.LastError);
        Assert.Equal(Samples.Now, health.LastErrorAt.ToDateTimeOffset());
        Assert.Equal(1, health.ConsecutiveFailures);
        Assert.InRange(health.NextPollAt.ToDateTimeOffset(), Samples.Now.AddSeconds(5), Samples.Now.AddSeconds(10));
        Assert.Empty(_host.Published());
    }

    [Fact]
    public async Task A_failing_host_backs_off_exponentially_with_jitter_and_a_success_resets_the_count()
    {
        var failing = true;
        _server.Map("/flaky.xml", async context =>
        {
            if (failing)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }

            context.Response.ContentType = Samples.RssContentType;
            await context.Response.WriteAsync(Samples.Rss(Samples.NumberedItem(_server, 1)));
        });
        var feed = await _host.AddFeedAsync(_server.Url("flaky.xml"));

        var ceilings = new[] { 10, 20, 40, 80, 160, 320, 600, 600 };
        for (var failure = 1; failure <= ceilings.Length; failure++)
        {
            Assert.Equal(1, await _host.Worker.RunDueAsync());
            var health = await Health(feed.Id);
            Assert.Equal(failure, health.ConsecutiveFailures);
            Assert.Equal("HTTP 503 Service Unavailable", health.LastError);
            var delay = health.NextPollAt.ToDateTimeOffset() - _host.Clock.GetUtcNow();
            var ceiling = TimeSpan.FromSeconds(ceilings[failure - 1]);
            Assert.InRange(delay, ceiling / 2, ceiling);

            // Not due before the backoff has passed.
            _host.Clock.Advance(delay - TimeSpan.FromMilliseconds(1));
            Assert.Equal(0, await _host.Worker.RunDueAsync());
            _host.Clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        failing = false;
        Assert.Equal(1, await _host.Worker.RunDueAsync());
        var recovered = await Health(feed.Id);
        Assert.Equal(0, recovered.ConsecutiveFailures);
        Assert.Equal("HTTP 503 Service Unavailable", recovered.LastError);
        Assert.Equal(_host.Clock.GetUtcNow(), recovered.LastSuccessAt.ToDateTimeOffset());
        Assert.Equal(_host.Clock.GetUtcNow().AddMinutes(1), recovered.NextPollAt.ToDateTimeOffset());
        Assert.Single(_host.Published());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task An_oversized_response_fails_the_poll_whether_or_not_it_declares_its_length(bool declareLength)
    {
        var huge = Samples.Rss(Enumerable.Range(1, 400).Select(n => Samples.NumberedItem(_server, n)).ToArray());
        Assert.True(Encoding.UTF8.GetByteCount(huge) > 65536);
        _server.Map("/huge.xml", async context =>
        {
            context.Response.ContentType = Samples.RssContentType;
            if (declareLength)
            {
                context.Response.ContentLength = Encoding.UTF8.GetByteCount(huge);
            }

            await context.Response.WriteAsync(huge);
        });
        var feed = await _host.AddFeedAsync(_server.Url("huge.xml"));

        await _host.Worker.RunDueAsync();

        var health = await Health(feed.Id);
        Assert.Equal("response larger than 65536 bytes", health.LastError);
        Assert.Equal(1, health.ConsecutiveFailures);
        Assert.Equal(0, health.ItemsSeen);
        Assert.Empty(_host.Published());
    }

    [Fact]
    public async Task A_malformed_feed_is_recorded_in_health()
    {
        _server.MapContent("/bad.xml", () => "<rss version=\"2.0\"><channel><item><title>cut", Samples.RssContentType);
        var feed = await _host.AddFeedAsync(_server.Url("bad.xml"));

        await _host.Worker.RunDueAsync();

        var health = await Health(feed.Id);
        Assert.StartsWith("malformed feed document:", health.LastError);
        Assert.Equal(1, health.ConsecutiveFailures);
    }

    [Fact]
    public async Task An_item_with_only_a_short_summary_takes_the_main_text_of_its_page()
    {
        _server.MapContent("/article/7", () => """
            <html><head><title>Site | Story</title><script>var s = "SCRIPT-TEXT";</script></head><body>
            <nav><a href="/">NAV-TEXT</a></nav>
            <main><p>The full story of the day, told over several sentences so that it is clearly the article's text.</p>
            <p>A second paragraph carries the quotes of the officials who spoke to reporters on Wednesday.</p>
            <p>A third paragraph gives the background of the fighting in the Kursk region since August.</p></main>
            <footer><p>FOOTER-TEXT</p></footer></body></html>
            """, Samples.HtmlContentType);
        _server.MapContent("/feed.xml", () => Samples.Rss(new Samples.RssItem("Story of the day", _server.Url("article/7"), Description: "A teaser.")), Samples.RssContentType);
        await _host.AddFeedAsync(_server.Url("feed.xml"));

        await _host.Worker.RunDueAsync();

        var article = Assert.Single(_host.Published());
        Assert.Equal("Story of the day", article.Title);
        Assert.StartsWith("The full story of the day", article.Body);
        Assert.Contains("background of the fighting in the Kursk region", article.Body);
        Assert.DoesNotContain("NAV-TEXT", article.Body);
        Assert.DoesNotContain("SCRIPT-TEXT", article.Body);
        Assert.DoesNotContain("FOOTER-TEXT", article.Body);
        Assert.Equal(1, _server.CountRequests("/article/7"));

        // Seen items are not fetched again.
        _host.Clock.Advance(TimeSpan.FromMinutes(1));
        await _host.Worker.RunDueAsync();
        Assert.Equal(1, _server.CountRequests("/article/7"));
    }

    [Fact]
    public async Task A_page_that_cannot_be_fetched_leaves_the_item_its_summary_and_a_long_summary_needs_no_page()
    {
        var longSummary = string.Join(' ', Enumerable.Repeat("A long summary sentence that stands in for the text.", 20));
        _server.MapContent("/feed.xml", () => Samples.Rss(
            new Samples.RssItem("Missing page", _server.Url("article/missing"), Description: "Only a teaser."),
            new Samples.RssItem("Long summary", _server.Url("article/long"), Description: longSummary)), Samples.RssContentType);
        var feed = await _host.AddFeedAsync(_server.Url("feed.xml"));

        await _host.Worker.RunDueAsync();

        var published = _host.Published().ToDictionary(m => m.Title, m => m.Body);
        Assert.Equal("Only a teaser.", published["Missing page"]);
        Assert.Equal(longSummary, published["Long summary"]);
        Assert.Equal(1, _server.CountRequests("/article/missing"));
        Assert.Equal(0, _server.CountRequests("/article/long"));
        Assert.Equal(0, (await Health(feed.Id)).ConsecutiveFailures);
    }

    [Fact]
    public async Task An_atom_feed_is_detected_and_ingested()
    {
        _server.MapContent("/atom.xml", () => $"""
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>ISW</title><id>urn:isw</id><updated>2024-12-18T10:00:00Z</updated>
              <entry><title>Assessment, December 17</title><id>urn:isw:17</id><link href="{_server.Url("reports/17")}"/>
                <updated>2024-12-18T01:00:00Z</updated>
                <content type="html">&lt;p&gt;North Korean forces continued assaults in Kursk Oblast.&lt;/p&gt;</content></entry>
            </feed>
            """, Samples.AtomContentType);
        var feed = await _host.AddFeedAsync(_server.Url("atom.xml"), sourceId: "isw");

        await _host.Worker.RunDueAsync();

        var article = Assert.Single(_host.Published());
        Assert.Equal("isw", article.SourceId);
        Assert.Equal("North Korean forces continued assaults in Kursk Oblast.", article.Body);
        Assert.Equal(Protos.Ingest.V1.FeedKind.Atom, (await Health(feed.Id)).DetectedKind);
    }

    [Fact]
    public async Task An_item_without_a_date_is_published_at_fetch_time()
    {
        _server.MapContent("/feed.xml", () => Samples.Rss(Samples.NumberedItem(_server, 1) with { PubDate = null }), Samples.RssContentType);
        await _host.AddFeedAsync(_server.Url("feed.xml"));

        await _host.Worker.RunDueAsync();

        Assert.Equal(Samples.Now, Assert.Single(_host.Published()).PublishedAt);
    }

    [Fact]
    public async Task A_telegram_channel_is_read_from_its_preview_page_at_the_configured_base_url()
    {
        var settings = FeedTestHost.DefaultSettings();
        settings["Feeds:TelegramBaseUrl"] = _server.BaseAddress.AbsoluteUri.TrimEnd('/');
        await using var host = await FeedTestHost.StartAsync(settings);
        _server.MapContent("/s/rian_ru", () => TelegramPreviewParserTests.Preview, Samples.HtmlContentType);
        var feed = await host.AddFeedAsync("https://t.me/rian_ru");
        Assert.Equal(FeedKind.Telegram, feed.Kind);
        Assert.Equal("https://t.me/s/rian_ru", feed.Url);

        await host.Worker.RunDueAsync();

        var published = host.Published().OrderBy(m => m.ArticleId).ToList();
        Assert.Equal(["tg:rian_ru:101", "tg:rian_ru:102"], published.Select(m => m.ArticleId));
        Assert.Equal("https://t.me/rian_ru/101", published[0].Url);
        Assert.Equal(new DateTimeOffset(2024, 12, 18, 9, 30, 0, TimeSpan.Zero), published[0].PublishedAt);
        Assert.Equal("ru", published[0].Language);
        Assert.Equal(Protos.Ingest.V1.FeedKind.Telegram, (await host.Grpc().GetFeedHealth(new GetFeedHealthRequest { FeedId = feed.Id }, new TestServerCallContext())).DetectedKind);
    }

    [Fact]
    public async Task Requests_to_one_host_never_exceed_the_per_host_limit()
    {
        _server.Map("/slow-feed", async context =>
        {
            await Task.Delay(150);
            context.Response.ContentType = Samples.RssContentType;
            await context.Response.WriteAsync(Samples.Rss(Samples.NumberedItem(_server, int.Parse(context.Request.Query["n"]!))));
        });
        for (var n = 0; n < 8; n++)
        {
            await _host.AddFeedAsync(_server.Url($"slow-feed?n={n}"));
        }

        Assert.Equal(8, await _host.Worker.RunDueAsync());

        Assert.Equal(8, _server.CountRequests("/slow-feed"));
        Assert.InRange(_server.MaxInFlight, 1, 2);
        Assert.Equal(8, _host.Published().Count);
    }

    [Fact]
    public async Task A_paused_feed_is_not_polled_and_a_resumed_one_is_polled_at_once()
    {
        _server.MapContent("/feed.xml", () => Samples.Rss(Samples.NumberedItem(_server, 1)), Samples.RssContentType);
        var feed = await _host.AddFeedAsync(_server.Url("feed.xml"));
        await _host.Grpc().PauseFeed(new PauseFeedRequest { FeedId = feed.Id }, new TestServerCallContext());

        _host.Clock.Advance(TimeSpan.FromHours(1));
        Assert.Equal(0, await _host.Worker.RunDueAsync());
        Assert.Equal(0, _server.CountRequests("/feed.xml"));

        await _host.Grpc().ResumeFeed(new ResumeFeedRequest { FeedId = feed.Id }, new TestServerCallContext());
        Assert.Equal(1, await _host.Worker.RunDueAsync());
        Assert.Equal(1, _server.CountRequests("/feed.xml"));
    }
}
