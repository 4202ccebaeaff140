using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Google.Protobuf;
using Microsoft.Extensions.Options;
using Proto = NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Alerts.Webhooks;

/// <summary>Renders an alert event as the body a webhook receives, in its format.</summary>
public sealed class WebhookPayloads(IOptions<WebhookOptions> options)
{
    private static readonly JsonSerializerOptions Compact = new() { WriteIndented = false };

    public string Render(WebhookFormat format, AlertEventRecord alertEvent)
    {
        var proto = AlertMapping.ToProto(alertEvent);
        return format == WebhookFormat.Slack ? Slack(proto) : JsonFormatter.Default.Format(proto);
    }

    /// <summary>A Slack incoming-webhook message: a fallback text line, and blocks with the same line, the explanation and the ids.</summary>
    private string Slack(Proto.AlertEvent alertEvent)
    {
        var alert = alertEvent.Alert;
        var kind = Word(alert.Kind.ToString());
        var happened = alertEvent.Type switch
        {
            Proto.AlertEventType.Raised => "raised",
            Proto.AlertEventType.Resolved => "resolved",
            Proto.AlertEventType.Acknowledged => "acknowledged",
            Proto.AlertEventType.Withdrawn => "withdrawn",
            _ => "changed",
        };
        var severity = Word(alert.Severity.ToString());
        var link = Link(alert);
        var text = $"{Capitalized(kind)} {happened}: outlet {alert.SourceId}, claim {alert.ClaimId}, severity {severity}" +
                   (link is null ? "" : $" {link}");
        var line = $"*{Capitalized(kind)} {happened}*: outlet `{Escape(alert.SourceId)}`, claim `{Escape(alert.ClaimId)}`, severity {severity}" +
                   (link is null ? "" : $" <{Escape(link)}|open>");

        var blocks = new JsonArray { Section(line) };
        if (alert.Explanation is { Summary.Length: > 0 } explanation)
        {
            blocks.Add(Section(Escape(explanation.Summary)));
        }

        var raised = alert.RaisedAt?.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture) ?? "";
        blocks.Add(new JsonObject
        {
            ["type"] = "context",
            ["elements"] = new JsonArray
            {
                new JsonObject { ["type"] = "mrkdwn", ["text"] = $"alert `{Escape(alert.Id)}` · raised {raised} · event {Escape(alertEvent.Cursor)}" },
            },
        });

        return new JsonObject { ["text"] = text, ["blocks"] = blocks }.ToJsonString(Compact);
    }

    private string? Link(Proto.Alert alert)
    {
        var template = options.Value.AlertLinkTemplate;
        if (template.Length > 0)
        {
            return template.Replace("{alert_id}", Uri.EscapeDataString(alert.Id), StringComparison.Ordinal);
        }

        var article = alert.Explanation?.DivergingArticles.LastOrDefault(a => a.Url.Length > 0);
        return article?.Url;
    }

    private static JsonObject Section(string markdown) => new()
    {
        ["type"] = "section",
        ["text"] = new JsonObject { ["type"] = "mrkdwn", ["text"] = markdown },
    };

    /// <summary>Slack's mrkdwn needs only these three escaped.</summary>
    private static string Escape(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static string Word(string enumName) => enumName.ToLowerInvariant();

    private static string Capitalized(string word) => word.Length == 0 ? word : char.ToUpperInvariant(word[0]) + word[1..];
}
