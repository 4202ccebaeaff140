using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using AngleSharp.Html.Parser;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>The main text and title of an article page.</summary>
public sealed record ExtractedPage(string Title, string Text);

/// <summary>
/// Finds an article's text in a whole web page: boilerplate (scripts, styles, navigation, header, footer, asides,
/// forms) is dropped; then the text is that of the &lt;article&gt; (the one with most paragraph text) or &lt;main&gt;
/// when the page has one with real paragraphs, otherwise of the densest block of &lt;p&gt; elements. The title is
/// og:title, else the first &lt;h1&gt;, else &lt;title&gt;.
/// </summary>
public static class ArticlePageExtractor
{
    /// <summary>An &lt;article&gt; or &lt;main&gt; with less paragraph text than this is not trusted to hold the article.</summary>
    private const int MinContainerParagraphCharacters = 200;

    private const string Boilerplate =
        "script, style, noscript, template, svg, iframe, nav, header, footer, aside, form, button, " +
        "[role=navigation], [role=banner], [role=contentinfo], [role=complementary], [aria-hidden=true]";

    /// <exception cref="FeedPollException">The page nests deeper than <see cref="HtmlNesting.MaxDepth"/> elements.</exception>
    public static ExtractedPage Extract(byte[] html)
    {
        HtmlNesting.EnsureShallow(html);
        using var stream = new MemoryStream(html, writable: false);
        var document = new HtmlParser().ParseDocument(stream);
        return Extract(document);
    }

    public static ExtractedPage Extract(IHtmlDocument document)
    {
        // Before the boilerplate goes: the <h1> is often inside a <header>.
        var title = Title(document);
        foreach (var element in document.QuerySelectorAll(Boilerplate).ToList())
        {
            element.Remove();
        }

        var body = document.Body;
        if (body is null)
        {
            return new ExtractedPage(title, "");
        }

        var container = document.QuerySelectorAll("article")
            .Concat(document.QuerySelectorAll("main"))
            .Select(element => (Element: element, Score: ParagraphCharacters(element.QuerySelectorAll("p"))))
            .Where(candidate => candidate.Score >= MinContainerParagraphCharacters)
            .OrderByDescending(candidate => candidate.Score)
            .Select(candidate => candidate.Element)
            .FirstOrDefault();
        if (container is not null)
        {
            return new ExtractedPage(title, HtmlText.FromNode(container));
        }

        var densest = DensestParagraphBlock(body);
        if (densest is not null)
        {
            var paragraphs = densest.Children.Where(IsParagraph).Select(HtmlText.FromNode).Where(text => text.Length > 0);
            return new ExtractedPage(title, string.Join("\n\n", paragraphs));
        }

        return new ExtractedPage(title, HtmlText.FromNode(body));
    }

    /// <summary>The element whose direct &lt;p&gt; children hold the most text.</summary>
    private static IElement? DensestParagraphBlock(IElement body) =>
        body.QuerySelectorAll("p")
            .Select(p => p.ParentElement)
            .OfType<IElement>()
            .Distinct()
            .Select(parent => (Element: parent, Score: ParagraphCharacters(parent.Children.Where(IsParagraph))))
            .Where(candidate => candidate.Score > 0)
            .OrderByDescending(candidate => candidate.Score)
            .Select(candidate => candidate.Element)
            .FirstOrDefault();

    private static bool IsParagraph(IElement element) => element.LocalName == "p";

    private static int ParagraphCharacters(IEnumerable<IElement> paragraphs) =>
        paragraphs.Sum(p => TextNormalizer.NormalizeLine(p.TextContent).Length);

    private static string Title(IHtmlDocument document)
    {
        var candidates = new[]
        {
            document.QuerySelector("meta[property='og:title']")?.GetAttribute("content"),
            document.QuerySelector("h1")?.TextContent,
            document.Title,
        };
        return candidates.Select(TextNormalizer.NormalizeLine).FirstOrDefault(title => title.Length > 0) ?? "";
    }
}
