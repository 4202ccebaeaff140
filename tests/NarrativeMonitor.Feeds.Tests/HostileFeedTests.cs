using System.Text;
using Microsoft.AspNetCore.Http;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Ingest.Feeds.Tests;

/// <summary>Hostile feeds and pages: nesting bombs, huge pages, oversized and malformed feeds after good polls.</summary>
public sealed class HostileFeedTests : IAsyncLifetime
{
    private const int Depth = 200_000;
    private LocalServer _server = null!;
    private FeedTestHost _host = null!;

    public async Task InitializeAsync()
    {
        _server = await LocalServer.StartAsync();
        var settings = FeedTestHost.DefaultSettings();
        settings["Feeds:MaxResponseBytes"] = (2 * 1024 * 1024).ToString(System.Globalization.CultureInfo.InvariantCulture);
        _host = await FeedTestHost.StartAsync(settings);
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        await _server.DisposeAsync();
    }

    private async Task<FeedHealth> Health(string feedId) =>
        await _host.Grpc().GetFeedHealth(new GetFeedHealthRequest { FeedId = feedId }, new TestServerCallContext());

    private static string NestingBomb(string tag, string text) =>
        string.Concat(Enumerable.Repeat($"<{tag}>", Depth)) + text;

    [Fact]
    public void A_page_nested_200000_elements_deep_is_refused_at_once_with_a_clear_error()
    {
        var html = $"<html><head><title>Bomb</title></head><body>{NestingBomb("b", "<p>text</p>")}</body></html>";

        var started = System.Diagnostics.Stopwatch.StartNew();
        var error = Assert.Throws<FeedPollException>(() => ArticlePageExtractor.Extract(Encoding.UTF8.GetBytes(html)));
        Assert.Equal($"HTML nested deeper than {HtmlNesting.MaxDepth} elements", error.Message);
        Assert.Throws<FeedPollException>(() => TelegramPreviewParser.Parse(Encoding.UTF8.GetBytes(html)));
        // Parsing it would take hours (the tree builder is quadratic in the nesting); the scan is linear.
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"took {started.Elapsed}");
    }

    [Fact]
    public void Nesting_up_to_the_limit_is_parsed_and_deeper_fragments_keep_their_text()
    {
        var text = "The defence ministry said on Friday that troops crossed the river at dawn.";
        var page = ArticlePageExtractor.Extract(Encoding.UTF8.GetBytes(
            $"<html><body><script>if (a < b) {{ x = '<div><div><div>'; }}</script>{NestingBomb(HtmlNesting.MaxDepth - 2, "div", $"<p>{text}</p>")}</body></html>"));
        Assert.Equal(text, page.Text);

        // An RSS description too deep to parse: the text between its tags is the item's text.
        Assert.Equal(text + " &", HtmlText.FromHtml(NestingBomb("span", text + " &amp;")));
        Assert.Equal(text, HtmlText.FromHtml($"<div><p>{text}</p></div>"));
    }

    private static string NestingBomb(int depth, string tag, string text) =>
        string.Concat(Enumerable.Repeat($"<{tag}>", depth)) + text;

    [Fact]
    public async Task An_item_whose_page_is_a_nesting_bomb_keeps_its_summary_and_the_poll_succeeds()
    {
        var summary = "Officials confirmed on Friday that the bridge near the border was destroyed overnight by a strike.";
        _server.MapContent("/bomb", () => $"<html><body>{NestingBomb("b", "<p>PAGE-TEXT</p>")}</body></html>", "text/html");
        _server.MapContent("/feed.xml", () => Samples.Rss(new Samples.RssItem("Bridge destroyed", _server.Url("bomb"), Description: summary)), Samples.RssContentType);
        var feed = await _host.AddFeedAsync(_server.Url("feed.xml"));

        var started = System.Diagnostics.Stopwatch.StartNew();
        await _host.Worker.RunDueAsync();

        Assert.True(started.Elapsed < TimeSpan.FromSeconds(30), $"the poll took {started.Elapsed}");
        var health = await Health(feed.Id);
        Assert.Equal("", health.LastError);
        var published = Assert.Single(_host.Published());
        Assert.Contains("bridge near the border was destroyed", published.Body, StringComparison.Ordinal);
        Assert.DoesNotContain("PAGE-TEXT", published.Body, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_feed_document_nested_200000_deep_fails_the_poll_with_a_clear_error_and_the_worker_goes_on()
    {
        _server.MapContent("/deep.xml", () => "<rss version=\"2.0\"><channel><item><title>x</title><description>"
            + string.Concat(Enumerable.Repeat("<x>", Depth)) + "</description></item></channel></rss>", Samples.RssContentType);
        _server.MapContent("/good.xml", () => Samples.Rss(Samples.NumberedItem(_server, 1)), Samples.RssContentType);
        var deep = await _host.AddFeedAsync(_server.Url("deep.xml"));
        var good = await _host.AddFeedAsync(_server.Url("good.xml"));

        await _host.Worker.RunDueAsync();

        var health = await Health(deep.Id);
        Assert.StartsWith("malformed feed document:", health.LastError);
        Assert.Equal(1, health.ConsecutiveFailures);
        Assert.Equal("", (await Health(good.Id)).LastError);
        Assert.Single(_host.Published());
    }

    [Fact]
    public async Task A_feed_that_turns_oversized_or_malformed_after_a_good_poll_keeps_every_accepted_item()
    {
        var items = Enumerable.Range(1, 3).Select(n => Samples.NumberedItem(_server, n)).ToArray();
        var mode = "good";
        _server.Map("/turning.xml", async context =>
        {
            context.Response.ContentType = Samples.RssContentType;
            await context.Response.WriteAsync(mode switch
            {
                "good" => Samples.Rss(items),
                "malformed" => "<rss version=\"2.0\"><channel><item><title>cut",
                // 3 MiB: over the 2 MiB cap set for this class.
                _ => Samples.Rss(Enumerable.Range(1, 6_000).Select(n => Samples.NumberedItem(_server, 1_000 + n)).ToArray()),
            });
        });
        var feed = await _host.AddFeedAsync(_server.Url("turning.xml"), interval: TimeSpan.FromMinutes(1));

        await _host.Worker.RunDueAsync();
        Assert.Equal(3, _host.Published().Count);
        Assert.Equal(3, (await Health(feed.Id)).ItemsAccepted);

        foreach (var (next, error) in new[] { ("oversized", "response larger than 2097152 bytes"), ("malformed", "malformed feed document:") })
        {
            mode = next;
            _host.Clock.Advance(TimeSpan.FromHours(7));
            await _host.Worker.RunDueAsync();
            var health = await Health(feed.Id);
            Assert.StartsWith(error, health.LastError);
            Assert.Equal(3, health.ItemsAccepted);
            Assert.Equal(3, _host.Published().Count);
        }

        // Once the feed is good again nothing is lost and nothing is ingested twice.
        mode = "good";
        _host.Clock.Advance(TimeSpan.FromHours(7));
        await _host.Worker.RunDueAsync();
        var recovered = await Health(feed.Id);
        Assert.Equal(0, recovered.ConsecutiveFailures);
        Assert.True(recovered.LastSuccessAt > recovered.LastErrorAt);
        Assert.Equal(3, _host.Published().Count);
        Assert.Equal(items.Select(i => i.Link).Order(), _host.Published().Select(p => p.Url).Order());
    }
}
