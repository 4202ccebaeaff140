using System.Globalization;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>
/// Reads the public web preview of a Telegram channel (https://t.me/s/{channel}): each .tgme_widget_message with a
/// data-post ("channel/123") is one item, with the text of its .tgme_widget_message_text (not that of a quoted reply)
/// and the datetime of its .tgme_widget_message_date time element. Messages without text (a bare photo) are skipped.
/// </summary>
public static class TelegramPreviewParser
{
    /// <summary>Titles are cut to this many characters: messages have none, so their first line stands in.</summary>
    public const int MaxTitleCharacters = 140;

    public static IReadOnlyList<FeedItem> Parse(byte[] html)
    {
        HtmlNesting.EnsureShallow(html);
        using var stream = new MemoryStream(html, writable: false);
        var document = new HtmlParser().ParseDocument(stream);
        var items = new List<FeedItem>();
        foreach (var message in document.QuerySelectorAll(".tgme_widget_message[data-post]"))
        {
            var post = message.GetAttribute("data-post")!.Trim();
            var slash = post.IndexOf('/');
            if (slash <= 0 || !long.TryParse(post.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                continue;
            }

            var textElement = message.QuerySelectorAll(".tgme_widget_message_text")
                .FirstOrDefault(element => element.Closest(".tgme_widget_message_reply") is null);
            var text = textElement is null ? "" : HtmlText.FromNode(textElement);
            if (text.Length == 0)
            {
                continue;
            }

            var channel = post[..slash];
            var datetime = message.QuerySelector(".tgme_widget_message_date time[datetime]")?.GetAttribute("datetime");
            items.Add(new FeedItem
            {
                ArticleId = $"tg:{channel.ToLowerInvariant()}:{number.ToString(CultureInfo.InvariantCulture)}",
                Guid = post,
                Link = $"https://t.me/{channel}/{number.ToString(CultureInfo.InvariantCulture)}",
                Title = TitleOf(text),
                ContentText = text,
                PublishedAt = DateTimeOffset.TryParse(datetime, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null,
            });
        }

        return items;
    }

    /// <summary>The first line of the message, cut at a word boundary.</summary>
    public static string TitleOf(string text)
    {
        var firstLine = text.Split('\n', 2)[0].Trim();
        if (firstLine.Length <= MaxTitleCharacters)
        {
            return firstLine;
        }

        var cut = firstLine.LastIndexOf(' ', MaxTitleCharacters - 1);
        return firstLine[..(cut > MaxTitleCharacters / 2 ? cut : MaxTitleCharacters - 1)].TrimEnd() + "…";
    }
}
