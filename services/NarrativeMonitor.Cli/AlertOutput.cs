using System.Text.Json;
using System.Text.Json.Nodes;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Cli;

/// <summary>Alerts as JSON lines (the replay's --out format, in the README) and as a table for people.</summary>
public static class AlertOutput
{
    public static string Kind(AlertKind kind) => kind switch
    {
        AlertKind.Denial => "denial",
        AlertKind.Deflection => "deflection",
        AlertKind.Omission => "omission",
        _ => "unspecified",
    };

    public static JsonObject ToJson(Alert alert)
    {
        var json = new JsonObject
        {
            ["id"] = alert.Id,
            ["claim_id"] = alert.ClaimId,
            ["source_id"] = alert.SourceId,
            ["kind"] = Kind(alert.Kind),
            ["severity"] = alert.Severity.ToString().ToLowerInvariant(),
            ["state"] = alert.State.ToString().ToLowerInvariant(),
            ["raised_at"] = Rfc3339(alert.RaisedAt),
        };
        if (alert.ResolvedAt is not null)
        {
            json["resolved_at"] = Rfc3339(alert.ResolvedAt);
        }

        json["evidence"] = new JsonObject
        {
            ["diverging_article_ids"] = new JsonArray([.. (alert.Evidence?.DivergingArticleIds ?? []).Select(id => JsonValue.Create(id))]),
            ["confirming_article_ids"] = new JsonArray([.. (alert.Evidence?.ConfirmingArticleIds ?? []).Select(id => JsonValue.Create(id))]),
        };
        return json;
    }

    public static async Task WriteJsonLinesAsync(IEnumerable<Alert> alerts, string path)
    {
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
        }

        await File.WriteAllLinesAsync(path, alerts.Select(a => ToJson(a).ToJsonString(new JsonSerializerOptions { WriteIndented = false })));
    }

    public static void WriteTable(IReadOnlyList<Alert> alerts, TextWriter output)
    {
        if (alerts.Count == 0)
        {
            output.WriteLine("No alerts.");
            return;
        }

        string[] header = ["RAISED (UTC)", "KIND", "OUTLET", "CLAIM", "RESOLVED (UTC)", "DIVERGING ARTICLES"];
        var rows = alerts.Select(a => new[]
        {
            Short(a.RaisedAt),
            Kind(a.Kind),
            a.SourceId,
            a.ClaimId,
            a.ResolvedAt is null ? "open" : Short(a.ResolvedAt),
            string.Join(", ", a.Evidence?.DivergingArticleIds ?? []),
        }).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }

    private static string Rfc3339(Google.Protobuf.WellKnownTypes.Timestamp time) =>
        time.ToDateTimeOffset().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);

    private static string Short(Google.Protobuf.WellKnownTypes.Timestamp time) =>
        time.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm", System.Globalization.CultureInfo.InvariantCulture);
}
