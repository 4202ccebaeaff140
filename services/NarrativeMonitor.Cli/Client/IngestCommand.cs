using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Cli.Client;

/// <summary>
/// `ingest file.jsonl`: streams the file's articles to IngestService.SubmitArticles and reports every rejected line with
/// its file and line number; the other lines still go through.
/// </summary>
public static class IngestCommand
{
    public static Command Build()
    {
        var file = new Argument<FileInfo>("file") { Description = "JSON lines, one article a line: id?, source_id, url, published_at, title, body, language?" };
        var command = new Command("ingest", "Submits a JSON lines file of articles over one gRPC stream, with a progress bar; " +
            "lines the service rejects are reported as file:line: field: reason (exit code 1)") { file };
        command.WithClientOptions();
        command.SetClientAction(async (context, parse, cancellationToken) =>
            await IngestAsync(context, parse.GetValue(file)!, cancellationToken));
        return command;
    }

    private static async Task<int> IngestAsync(ClientContext context, FileInfo file, CancellationToken cancellationToken)
    {
        if (!file.Exists)
        {
            throw new UsageException($"{file.FullName}: no such file");
        }

        var name = file.ToString();
        var problems = new List<(int Line, string Message)>();
        var lines = new List<int>();
        var total = context.Interactive ? File.ReadLines(file.FullName).Count(l => !string.IsNullOrWhiteSpace(l)) : 0;
        var progress = new ProgressBar(context.Output, "articles", total, context.Interactive);

        using var call = context.Ingest.SubmitArticles(cancellationToken: cancellationToken);
        var lineNumber = 0;
        var read = 0;
        foreach (var line in File.ReadLines(file.FullName))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            progress.Report(++read);
            if (!TryParse(line, out var article, out var problem))
            {
                problems.Add((lineNumber, problem));
                continue;
            }

            lines.Add(lineNumber);
            await call.RequestStream.WriteAsync(new SubmitArticleRequest { Article = article }, cancellationToken);
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync;
        progress.Done();

        foreach (var result in response.Results.Where(r => r.Outcome == SubmissionOutcome.Rejected))
        {
            var at = result.Index >= 0 && result.Index < lines.Count ? lines[result.Index] : 0;
            problems.Add((at, $"{result.Error} ({Code(result.StatusCode)})"));
        }

        var ordered = problems.OrderBy(p => p.Line).ToList();
        if (context.Json)
        {
            var summary = new Dictionary<string, object>
            {
                ["file"] = file.FullName,
                ["lines"] = read,
                ["accepted"] = response.Accepted,
                ["duplicates"] = response.Duplicates,
                ["rejected"] = ordered.Count,
                ["errors"] = ordered.Select(p => new Dictionary<string, object> { ["line"] = p.Line, ["error"] = p.Message }).ToList(),
            };
            await context.Output.WriteLineAsync(JsonSerializer.Serialize(summary));
        }
        else
        {
            foreach (var (line, message) in ordered)
            {
                await context.Error.WriteLineAsync($"{name}:{line}: {message}");
            }

            await context.Output.WriteLineAsync(
                $"{name}: {read} articles: {response.Accepted} accepted, {response.Duplicates} duplicates, {ordered.Count} rejected.");
        }

        return ordered.Count == 0 ? ExitCodes.Ok : ExitCodes.Rejected;
    }

    private static string Code(int statusCode) =>
        System.Text.RegularExpressions.Regex.Replace(((StatusCode)statusCode).ToString(), "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant();

    /// <summary>Reads one line; the service validates the content, this only needs JSON and an RFC 3339 published_at.</summary>
    private static bool TryParse(string line, out Article article, out string problem)
    {
        article = new Article();
        problem = "";
        try
        {
            using var document = JsonDocument.Parse(line);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                problem = "expected a JSON object";
                return false;
            }

            string Text(string property) =>
                document.RootElement.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString()! : "";

            article.Id = Text("id");
            article.SourceId = Text("source_id");
            article.Url = Text("url");
            article.Title = Text("title");
            article.Body = Text("body");
            article.Language = Text("language");
            var published = Text("published_at");
            if (published.Length == 0)
            {
                problem = "published_at: required (RFC 3339, e.g. 2024-12-18T09:30:00Z)";
                return false;
            }

            if (!published.Contains('T', StringComparison.Ordinal)
                || !DateTimeOffset.TryParse(published, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time))
            {
                problem = $"published_at: '{published}' is not an RFC 3339 time like 2024-12-18T09:30:00Z";
                return false;
            }

            article.PublishedAt = Timestamp.FromDateTimeOffset(time);
            return true;
        }
        catch (JsonException ex)
        {
            // System.Text.Json appends "LineNumber: 0 | BytePositionInLine: n." (always line 0 of a one-line document).
            var reason = ex.Message.Split(" LineNumber:", 2)[0];
            problem = ex.BytePositionInLine is { } column ? $"invalid JSON at column {column + 1}: {reason}" : $"invalid JSON: {reason}";
            return false;
        }
    }
}
