using System.Text;

namespace NarrativeMonitor.Ingest.Feeds.Tests;

public sealed class SyndicationReaderTests
{
    private static readonly Uri FeedUrl = new("https://news.example/feeds/main.xml");

    private static (FeedKind Kind, IReadOnlyList<FeedItem> Items) Read(string xml, FeedKind expected = FeedKind.Auto) =>
        SyndicationReader.Read(Encoding.UTF8.GetBytes(xml), expected, FeedUrl);

    [Fact]
    public void Rss_items_carry_guid_link_title_full_text_summary_and_date()
    {
        var (kind, items) = Read(Samples.Rss(
            new Samples.RssItem("Fighting in <b>Kursk</b> &amp; beyond", "https://news.example/a/1", Description: "<p>Short <i>summary</i>.</p>",
                Content: "<p>First paragraph.</p><p>Second paragraph with <a href='x'>a link</a>.</p>", Guid: "urn:news:1"),
            new Samples.RssItem("Second", "https://news.example/a/2", PubDate: "Thu, 19 Dec 2024 08:00:00 +0300")));

        Assert.Equal(FeedKind.Rss, kind);
        Assert.Equal(2, items.Count);
        var first = items[0];
        Assert.Equal("urn:news:1", first.Guid);
        Assert.Equal("https://news.example/a/1", first.Link);
        Assert.Equal("Fighting in Kursk & beyond", first.Title);
        Assert.Equal("First paragraph.\n\nSecond paragraph with a link.", first.ContentText);
        Assert.Equal("Short summary.", first.SummaryText);
        Assert.Equal(new DateTimeOffset(2024, 12, 18, 9, 30, 0, TimeSpan.Zero), first.PublishedAt);
        Assert.Null(items[1].ContentText);
        Assert.Equal(new DateTimeOffset(2024, 12, 19, 5, 0, 0, TimeSpan.Zero), items[1].PublishedAt!.Value.ToUniversalTime());
    }

    [Fact]
    public void Atom_entries_carry_id_alternate_link_content_and_published_or_updated_time()
    {
        const string atom = """
            <?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom">
              <title>ISW updates</title>
              <id>urn:isw:feed</id>
              <updated>2024-12-18T10:00:00Z</updated>
              <entry>
                <title type="html">Russian Offensive Campaign Assessment, December 17</title>
                <id>urn:isw:2024-12-17</id>
                <link rel="alternate" href="/reports/rca-dec-17"/>
                <link rel="enclosure" href="https://isw.example/map.png"/>
                <published>2024-12-17T23:00:00Z</published>
                <updated>2024-12-18T01:00:00Z</updated>
                <content type="html">&lt;p&gt;North Korean forces continued assaults in Kursk Oblast.&lt;/p&gt;</content>
              </entry>
              <entry>
                <title>Only updated</title>
                <id>https://isw.example/reports/only-updated</id>
                <updated>2024-12-18T02:00:00Z</updated>
                <summary>A summary.</summary>
              </entry>
            </feed>
            """;

        var (kind, items) = Read(atom);

        Assert.Equal(FeedKind.Atom, kind);
        Assert.Equal("https://news.example/reports/rca-dec-17", items[0].Link);
        Assert.Equal("urn:isw:2024-12-17", items[0].Guid);
        Assert.Equal("North Korean forces continued assaults in Kursk Oblast.", items[0].ContentText);
        Assert.Equal(new DateTimeOffset(2024, 12, 17, 23, 0, 0, TimeSpan.Zero), items[0].PublishedAt);
        // No link: the id is a permalink, so it is the link; no published: updated stands in.
        Assert.Equal("https://isw.example/reports/only-updated", items[1].Link);
        Assert.Equal(new DateTimeOffset(2024, 12, 18, 2, 0, 0, TimeSpan.Zero), items[1].PublishedAt);
        Assert.Equal("A summary.", items[1].SummaryText);
    }

    [Fact]
    public void A_feed_registered_as_rss_that_serves_atom_is_an_error()
    {
        var error = Assert.Throws<FeedPollException>(() => Read("""<feed xmlns="http://www.w3.org/2005/Atom"><title>x</title><id>x</id><updated>2024-12-18T10:00:00Z</updated></feed>""", FeedKind.Rss));
        Assert.Equal("expected RSS 2.0 but the document is Atom 1.0", error.Message);
    }

    [Theory]
    [InlineData("<rss version=\"2.0\"><channel><title>x</title><item><title>broken</item></channel></rss>")]
    [InlineData("<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>cut off")]
    [InlineData("")]
    public void Malformed_xml_is_a_poll_error(string xml)
    {
        var error = Assert.Throws<FeedPollException>(() => Read(xml));
        Assert.StartsWith("malformed feed document:", error.Message);
    }

    [Fact]
    public void An_html_page_is_not_a_feed()
    {
        var error = Assert.Throws<FeedPollException>(() => Read("<html><body><p>Hello</p></body></html>"));
        Assert.Equal("not an RSS 2.0 or Atom 1.0 document (root element <html>)", error.Message);
    }

    [Fact]
    public void A_doctype_is_ignored_and_its_entities_are_not_expanded()
    {
        const string xml = """
            <?xml version="1.0"?>
            <!DOCTYPE rss [<!ENTITY boom "boom boom boom">]>
            <rss version="2.0"><channel><title>x</title><link>https://e.example/</link><description>d</description>
            <item><title>Plain</title><link>https://e.example/1</link></item></channel></rss>
            """;

        var (_, items) = Read(xml);

        Assert.Equal("Plain", Assert.Single(items).Title);
    }

    [Theory]
    [InlineData("2024-12-18 09:30:00", "2024-12-18T09:30:00Z")]
    [InlineData("Wed, 18 Dec 2024 09:30:00 UT", "2024-12-18T09:30:00Z")]
    [InlineData("Wed, 18 Dec 2024 12:30:00 MSK", "2024-12-18T09:30:00Z")]
    [InlineData("yesterday around noon", null)]
    public void Dates_the_strict_parser_refuses_are_read_leniently_or_left_absent(string pubDate, string? expected)
    {
        var (_, items) = Read(Samples.Rss(new Samples.RssItem("T", "https://news.example/1", PubDate: pubDate)));

        Assert.Equal(expected is null ? null : DateTimeOffset.Parse(expected), Assert.Single(items).PublishedAt);
    }

    [Fact]
    public void Relative_links_resolve_against_the_feed_url_and_non_http_links_are_dropped()
    {
        var (_, items) = Read(Samples.Rss(
            new Samples.RssItem("Relative", "../news/1"),
            new Samples.RssItem("Mail", "mailto:desk@news.example")));

        Assert.Equal("https://news.example/news/1", items[0].Link);
        Assert.Null(items[1].Link);
    }
}

public sealed class ArticlePageExtractorTests
{
    private const string Page = """
        <!DOCTYPE html>
        <html>
        <head>
          <title>Site name | Troops in Kursk</title>
          <meta property="og:title" content="Pentagon confirms North Korean troops in combat in Kursk">
          <script>var tracking = "SCRIPT-TEXT";</script>
          <style>.x { color: red } /* STYLE-TEXT */</style>
        </head>
        <body>
          <header><div class="logo">HEADER-TEXT</div><h1>Pentagon confirms North Korean troops</h1></header>
          <nav><ul><li><a href="/">NAV-HOME</a></li><li><a href="/world">NAV-WORLD</a></li></ul></nav>
          <div class="layout">
            <aside><p>ASIDE-TEXT: the most read stories of the day, with a long teaser that is not the article at all.</p></aside>
            <article>
              <p>The Pentagon said on Monday that North Korean troops have entered combat in Russia's Kursk region.</p>
              <div class="share"><form><button>SHARE-BUTTON</button><input name="email"></form></div>
              <p>A spokesman said several hundred soldiers had been killed or wounded in the fighting so far.</p>
              <script>document.write("INLINE-SCRIPT")</script>
              <p>Officials in Seoul and Kyiv had reported the deployment weeks earlier.</p>
            </article>
          </div>
          <footer><p>FOOTER-TEXT Copyright 2024 and a long list of legal notices that go on and on.</p></footer>
        </body>
        </html>
        """;

    [Fact]
    public void The_article_text_excludes_scripts_styles_navigation_header_footer_asides_and_forms()
    {
        var page = ArticlePageExtractor.Extract(Encoding.UTF8.GetBytes(Page));

        Assert.Equal("Pentagon confirms North Korean troops in combat in Kursk", page.Title);
        Assert.Contains("North Korean troops have entered combat in Russia's Kursk region.", page.Text);
        Assert.Contains("Officials in Seoul and Kyiv had reported the deployment weeks earlier.", page.Text);
        foreach (var boilerplate in new[] { "SCRIPT-TEXT", "STYLE-TEXT", "HEADER-TEXT", "NAV-HOME", "ASIDE-TEXT", "SHARE-BUTTON", "INLINE-SCRIPT", "FOOTER-TEXT" })
        {
            Assert.DoesNotContain(boilerplate, page.Text);
        }

        Assert.Equal(3, page.Text.Split("\n\n").Length);
    }

    [Fact]
    public void Without_article_or_main_the_densest_block_of_paragraphs_wins_and_the_title_falls_back_to_h1()
    {
        const string html = """
            <html><head><title>Fallback title</title></head><body>
              <div id="teasers"><p>Teaser one.</p><p>Teaser two.</p></div>
              <div id="story">
                <h1>Kremlin declines to comment on reports</h1>
                <p>Kremlin spokesman Dmitry Peskov declined to comment on reports about North Korean soldiers.</p>
                <p>He referred questions to the defence ministry, which did not answer.</p>
                <p>The reports first appeared in South Korean media.</p>
              </div>
              <div id="comments"><p>Comment.</p></div>
            </body></html>
            """;

        var page = ArticlePageExtractor.Extract(Encoding.UTF8.GetBytes(html));

        Assert.Equal("Kremlin declines to comment on reports", page.Title);
        Assert.StartsWith("Kremlin spokesman Dmitry Peskov declined", page.Text);
        Assert.EndsWith("The reports first appeared in South Korean media.", page.Text);
        Assert.DoesNotContain("Teaser", page.Text);
        Assert.DoesNotContain("Comment.", page.Text);
    }

    [Fact]
    public void The_title_element_is_the_last_resort()
    {
        var page = ArticlePageExtractor.Extract(Encoding.UTF8.GetBytes("<html><head><title> Only  a title </title></head><body><p>Text.</p></body></html>"));

        Assert.Equal("Only a title", page.Title);
        Assert.Equal("Text.", page.Text);
    }
}

public sealed class TelegramPreviewParserTests
{
    public const string Preview = """
        <html><body><section class="tgme_channel_history js-message_history">
          <div class="tgme_widget_message_wrap js-widget_message_wrap">
            <div class="tgme_widget_message text_not_supported_wrap js-widget_message" data-post="rian_ru/101">
              <div class="tgme_widget_message_bubble">
                <div class="tgme_widget_message_text js-message_text" dir="auto">Бои в Курской области продолжаются<br/>Подразделения продвинулись на <b>двух</b> направлениях.</div>
                <div class="tgme_widget_message_footer"><a class="tgme_widget_message_date" href="https://t.me/rian_ru/101"><time datetime="2024-12-18T09:30:00+00:00" class="time">09:30</time></a></div>
              </div>
            </div>
          </div>
          <div class="tgme_widget_message_wrap js-widget_message_wrap">
            <div class="tgme_widget_message js-widget_message" data-post="rian_ru/102">
              <div class="tgme_widget_message_bubble">
                <a class="tgme_widget_message_reply" href="https://t.me/rian_ru/101"><div class="tgme_widget_message_text js-message_text">QUOTED-REPLY</div></a>
                <div class="tgme_widget_message_text js-message_text" dir="auto">Песков отказался комментировать сообщения о северокорейских военных.</div>
                <div class="tgme_widget_message_footer"><a class="tgme_widget_message_date" href="https://t.me/rian_ru/102"><time datetime="2024-12-18T11:00:00+03:00" class="time">11:00</time></a></div>
              </div>
            </div>
          </div>
          <div class="tgme_widget_message_wrap js-widget_message_wrap">
            <div class="tgme_widget_message js-widget_message" data-post="rian_ru/103">
              <div class="tgme_widget_message_bubble"><a class="tgme_widget_message_photo_wrap" href="https://t.me/rian_ru/103"></a>
                <div class="tgme_widget_message_footer"><a class="tgme_widget_message_date" href="https://t.me/rian_ru/103"><time datetime="2024-12-18T12:00:00+00:00" class="time">12:00</time></a></div>
              </div>
            </div>
          </div>
        </section></body></html>
        """;

    [Fact]
    public void Each_message_with_text_becomes_an_item_with_its_post_id_permalink_text_and_time()
    {
        var items = TelegramPreviewParser.Parse(Encoding.UTF8.GetBytes(Preview));

        Assert.Equal(2, items.Count);
        Assert.Equal("tg:rian_ru:101", items[0].ArticleId);
        Assert.Equal("https://t.me/rian_ru/101", items[0].Link);
        Assert.Equal("Бои в Курской области продолжаются", items[0].Title);
        Assert.Equal("Бои в Курской области продолжаются\nПодразделения продвинулись на двух направлениях.", items[0].ContentText);
        Assert.Equal(new DateTimeOffset(2024, 12, 18, 9, 30, 0, TimeSpan.Zero), items[0].PublishedAt);

        Assert.Equal("tg:rian_ru:102", items[1].ArticleId);
        Assert.Equal("Песков отказался комментировать сообщения о северокорейских военных.", items[1].ContentText);
        Assert.Equal(new DateTimeOffset(2024, 12, 18, 8, 0, 0, TimeSpan.Zero), items[1].PublishedAt!.Value.ToUniversalTime());
    }

    [Fact]
    public void A_long_first_line_is_cut_at_a_word_boundary_for_the_title()
    {
        var text = string.Join(' ', Enumerable.Repeat("word", 60));

        var title = TelegramPreviewParser.TitleOf(text);

        Assert.True(title.Length <= TelegramPreviewParser.MaxTitleCharacters + 1);
        Assert.EndsWith("word…", title);
    }
}
