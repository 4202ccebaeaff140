using System.Text;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>
/// Keeps HTML nesting bombs away from AngleSharp. The HTML tree builder looks through the stack of open elements at
/// every tag, so a page of n nested elements costs n² steps: a 600 KB page of &lt;b&gt; tags holds a poller thread for
/// hours, and no cancellation reaches it. A linear scan counts the nesting first; deeper than <see cref="MaxDepth"/>
/// (browsers stop nesting at 512) is refused.
/// </summary>
public static class HtmlNesting
{
    public const int MaxDepth = 1_000;

    // Elements that never nest: void elements, and those a start tag of their own kind closes implicitly.
    private static readonly HashSet<string> NotNesting = new(StringComparer.OrdinalIgnoreCase)
    {
        "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr",
        "p", "li", "dt", "dd", "option", "optgroup", "tr", "td", "th", "thead", "tbody", "tfoot", "rb", "rt", "rp", "rtc",
    };

    private static readonly HashSet<string> RawText = new(StringComparer.OrdinalIgnoreCase) { "script", "style", "textarea", "title", "xmp", "plaintext" };

    /// <summary>Throws <see cref="FeedPollException"/> when the markup nests deeper than <see cref="MaxDepth"/> elements.</summary>
    public static void EnsureShallow(ReadOnlySpan<byte> html)
    {
        if (Depth(html) > MaxDepth)
        {
            throw new FeedPollException($"HTML nested deeper than {MaxDepth} elements");
        }
    }

    public static bool IsShallow(string html) => Depth(Encoding.UTF8.GetBytes(html)) <= MaxDepth;

    /// <summary>The deepest nesting of elements, counted as far as <see cref="MaxDepth"/> + 1.</summary>
    private static int Depth(ReadOnlySpan<byte> html)
    {
        var depth = 0;
        var i = 0;
        while (i < html.Length)
        {
            var open = html[i..].IndexOf((byte)'<');
            if (open < 0)
            {
                break;
            }

            i += open + 1;
            if (i >= html.Length)
            {
                break;
            }

            if (html[i] == '/')
            {
                depth = Math.Max(0, depth - 1);
                continue;
            }

            if (html[i] == '!' && html[i..].StartsWith("!--"u8))
            {
                i = SkipPast(html, i + 3, "-->"u8);
                continue;
            }

            if (!char.IsAsciiLetter((char)html[i]))
            {
                continue;
            }

            var nameEnd = i;
            while (nameEnd < html.Length && (char.IsAsciiLetterOrDigit((char)html[nameEnd]) || html[nameEnd] == '-'))
            {
                nameEnd++;
            }

            var name = Encoding.ASCII.GetString(html[i..nameEnd]);
            var tagEnd = html[nameEnd..].IndexOf((byte)'>');
            if (tagEnd < 0)
            {
                break;
            }

            tagEnd += nameEnd;
            i = tagEnd + 1;
            if (html[tagEnd - 1] == '/' || NotNesting.Contains(name))
            {
                continue;
            }

            if (RawText.Contains(name))
            {
                i = SkipRawText(html, i, Encoding.ASCII.GetBytes(name));
                continue;
            }

            if (++depth > MaxDepth)
            {
                return depth;
            }
        }

        return depth;
    }

    /// <summary>Past the end tag of a raw-text element (its content is not markup), whatever its letter case.</summary>
    private static int SkipRawText(ReadOnlySpan<byte> html, int from, ReadOnlySpan<byte> name)
    {
        var i = from;
        while (true)
        {
            var at = html[i..].IndexOf("</"u8);
            if (at < 0)
            {
                return html.Length;
            }

            i += at + 2;
            if (html.Length - i >= name.Length && Ascii.EqualsIgnoreCase(html.Slice(i, name.Length), name))
            {
                return i + name.Length;
            }
        }
    }

    private static int SkipPast(ReadOnlySpan<byte> html, int from, ReadOnlySpan<byte> marker)
    {
        var at = html[from..].IndexOf(marker);
        return at < 0 ? html.Length : from + at + marker.Length;
    }
}
