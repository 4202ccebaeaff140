using System.Text.Json.Nodes;
using NarrativeMonitor.Cli.Client;

namespace NarrativeMonitor.Cli.Replay;

/// <summary>What `replay` prints: counts, rejected lines, the alerts and, with --expected, the evaluation; as text or one JSON document.</summary>
public sealed record ReplayReport(ReplayResult Result, RuleOverrides Rules, bool HandLabels, ReplayEvaluation? Evaluation, string? ExpectedPath)
{
    public async Task<int> WriteAsync(TextWriter output, TextWriter error, FileInfo? alertsFile, bool json)
    {
        foreach (var line in Result.Errors)
        {
            await error.WriteLineAsync(line);
        }

        if (alertsFile is not null)
        {
            await AlertOutput.WriteJsonLinesAsync(Result.Alerts, alertsFile.FullName);
        }

        if (json)
        {
            var document = new JsonObject
            {
                ["submitted"] = Result.Submitted,
                ["accepted"] = Result.Accepted,
                ["duplicates"] = Result.Duplicates,
                ["rejected"] = Result.Errors.Count,
                ["errors"] = new JsonArray([.. Result.Errors.Select(e => JsonValue.Create(e))]),
                ["rules"] = Rules.IsEmpty ? null : new JsonObject
                {
                    ["confirmation_sources"] = Rules.ConfirmationSources,
                    ["omission_articles"] = Rules.OmissionArticles,
                    ["omission_window"] = Rules.OmissionWindow?.ToString("c", System.Globalization.CultureInfo.InvariantCulture),
                },
                ["stances"] = HandLabels ? "labels" : "classifier",
                ["alerts"] = new JsonArray([.. Result.Alerts.Select(a => (JsonNode)AlertOutput.ToJson(a))]),
                ["evaluation"] = Evaluation?.ToJson(ExpectedPath!),
            };
            await output.WriteLineAsync(document.ToJsonString());
        }
        else
        {
            var how = string.Join("; ", new[] { Rules.IsEmpty ? null : $"rules {Rules}", HandLabels ? "stances from labels.jsonl" : null }.OfType<string>());
            await output.WriteLineAsync($"Replayed {Result.Submitted} articles: {Result.Accepted} accepted, {Result.Duplicates} duplicates, " +
                $"{Result.Errors.Count} rejected{(how.Length > 0 ? $" ({how})" : "")}.");
            await output.WriteLineAsync();
            AlertOutput.WriteTable(Result.Alerts, output);
            if (alertsFile is not null)
            {
                await output.WriteLineAsync();
                await output.WriteLineAsync($"{Result.Alerts.Count} alerts written to {alertsFile.FullName}");
            }

            if (Evaluation is not null)
            {
                await output.WriteLineAsync();
                Evaluation.WriteText(output, ExpectedPath!);
            }
        }

        return Result.Errors.Count == 0 ? ExitCodes.Ok : ExitCodes.Rejected;
    }
}
