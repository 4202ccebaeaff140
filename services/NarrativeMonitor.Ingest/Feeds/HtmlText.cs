using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>Plain text of HTML, with block elements as paragraph breaks (which TextNormalizer.NormalizeBody keeps).</summary>
public static partial class HtmlText
{
    private static readonly HashSet<string> Skipped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "svg", "iframe", "object", "button",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "p", "div", "section", "article", "main", "header", "footer", "aside", "nav", "blockquote", "pre", "ul", "ol", "li",
        "dl", "dt", "dd", "table", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "figure", "figcaption", "hr", "address",
    };

    /// <summary>The text of an HTML fragment (an RSS description, an Atom content element), normalized as a body.</summary>
    public static string FromHtml(string? html)
    {
        if (string.IsNullOrWhiteSpace(html))
        {
            return "";
        }

        if (!html.Contains('<') && !html.Contains('&'))
        {
            return TextNormalizer.NormalizeBody(html);
        }

        if (!HtmlNesting.IsShallow(html))
        {
            // Too deep to parse safely (see HtmlNesting): the text between the tags still serves as the item's text.
            return TextNormalizer.NormalizeBody(System.Net.WebUtility.HtmlDecode(Tags().Replace(html, " ")));
        }

        var document = new HtmlParser().ParseDocument(html);
        return document.Body is { } body ? FromNode(body) : "";
    }

    /// <summary>The text of <paramref name="node"/>, normalized as a body.</summary>
    public static string FromNode(INode node)
    {
        var text = new StringBuilder();
        Append(node, text);
        return TextNormalizer.NormalizeBody(text.ToString());
    }

    private static void Append(INode node, StringBuilder text)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText textNode:
                    text.Append(textNode.Data);
                    break;
                case IElement element when Skipped.Contains(element.LocalName):
                    break;
                case IElement { LocalName: "br" }:
                    text.Append('\n');
                    break;
                case IElement element when Blocks.Contains(element.LocalName):
                    text.Append("\n\n");
                    Append(element, text);
                    text.Append("\n\n");
                    break;
                case IElement element:
                    Append(element, text);
                    break;
            }
        }
    }

    [System.Text.RegularExpressions.GeneratedRegex("<[^>]*>")]
    private static partial System.Text.RegularExpressions.Regex Tags();
}
