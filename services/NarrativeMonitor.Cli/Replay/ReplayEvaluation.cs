using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Cli.Replay;

/// <summary>One line of expected-alerts.json.</summary>
public sealed record ExpectedAlert(string ClaimId, string SourceId, string Kind, DateTimeOffset RaisedAt, DateTimeOffset? ResolvedAt)
{
    /// <summary>Reads an expected-alerts.json file; a problem throws <see cref="CorpusException"/> naming the file and entry.</summary>
    public static IReadOnlyList<ExpectedAlert> Load(string path)
    {
        if (!File.Exists(path))
        {
            throw new CorpusException($"{path}: missing");
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllText(path), new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
        }
        catch (JsonException ex)
        {
            throw new CorpusException($"{path}:{(ex.LineNumber ?? 0) + 1}: invalid JSON: {ex.Message}");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                throw new CorpusException($"{path}:1: expected a JSON array of {{claim_id, source_id, kind, raised_at, resolved_at}}");
            }

            return [.. document.RootElement.EnumerateArray().Select((e, i) => Parse(e, $"{path}: alert #{i + 1}"))];
        }
    }

    private static ExpectedAlert Parse(JsonElement element, string where)
    {
        string Text(string property) =>
            element.ValueKind == JsonValueKind.Object && element.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String
                ? value.GetString()!
                : throw new CorpusException($"{where}: {property} is required");

        DateTimeOffset Time(string property, string text) =>
            DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time)
                ? time
                : throw new CorpusException($"{where}: {property} '{text}' is not an RFC 3339 time");

        var kind = Text("kind");
        if (kind is not ("denial" or "deflection" or "omission"))
        {
            throw new CorpusException($"{where}: kind '{kind}' is not denial, deflection or omission");
        }

        var resolved = element.TryGetProperty("resolved_at", out var r) && r.ValueKind == JsonValueKind.String ? Time("resolved_at", r.GetString()!) : (DateTimeOffset?)null;
        return new ExpectedAlert(Text("claim_id"), Text("source_id"), kind, Time("raised_at", Text("raised_at")), resolved);
    }
}

/// <summary>A raised alert paired with the expected one it stands for; Error is raised minus expected raised_at.</summary>
public sealed record MatchedAlert(ExpectedAlert Expected, Alert Actual)
{
    public TimeSpan Error => Actual.RaisedAt.ToDateTimeOffset() - Expected.RaisedAt;
}

/// <summary>Precision, recall and timing error of one kind of alert (or of all, Kind "all").</summary>
public sealed record KindScore(string Kind, int Expected, int Raised, int Matched, double? Precision, double? Recall,
    TimeSpan? MeanError, TimeSpan? MedianError, TimeSpan? MaxError);

/// <summary>
/// How a replay's alerts compare with hand-labelled expected alerts. An alert matches an expected one with the same claim,
/// outlet and kind; when a (claim, outlet, kind) has several, pairs are taken closest raised_at first. Precision is
/// matched / raised, recall matched / expected; the timing error of a match is the absolute raised_at difference.
/// </summary>
public sealed class ReplayEvaluation
{
    private static readonly string[] Kinds = ["denial", "deflection", "omission"];

    private ReplayEvaluation(IReadOnlyList<MatchedAlert> matched, IReadOnlyList<ExpectedAlert> missed, IReadOnlyList<Alert> unexpected,
        IReadOnlyList<ExpectedAlert> expected, IReadOnlyList<Alert> raised)
    {
        Matched = matched;
        Missed = missed;
        Unexpected = unexpected;
        Scores = [.. Kinds.Select(k => Score(k, expected.Count(e => e.Kind == k), raised.Count(a => AlertOutput.Kind(a.Kind) == k), matched.Where(m => m.Expected.Kind == k).ToList())),
            Score("all", expected.Count, raised.Count, matched)];
    }

    public IReadOnlyList<MatchedAlert> Matched { get; }
    public IReadOnlyList<ExpectedAlert> Missed { get; }
    public IReadOnlyList<Alert> Unexpected { get; }

    /// <summary>Per kind (denial, deflection, omission), then "all".</summary>
    public IReadOnlyList<KindScore> Scores { get; }

    public KindScore Overall => Scores[^1];

    public static ReplayEvaluation Evaluate(IReadOnlyList<ExpectedAlert> expected, IReadOnlyList<Alert> raised)
    {
        var considered = raised.Where(a => a.State != AlertState.Withdrawn).ToList();
        var matched = new List<MatchedAlert>();
        var usedExpected = new HashSet<ExpectedAlert>(ReferenceEqualityComparer.Instance);
        var usedActual = new HashSet<Alert>(ReferenceEqualityComparer.Instance);
        var candidates =
            from e in expected
            from a in considered
            where a.ClaimId == e.ClaimId && a.SourceId == e.SourceId && AlertOutput.Kind(a.Kind) == e.Kind
            let pair = new MatchedAlert(e, a)
            orderby pair.Error.Duration(), e.RaisedAt, a.Id
            select pair;
        foreach (var pair in candidates.ToList())
        {
            if (!usedExpected.Contains(pair.Expected) && !usedActual.Contains(pair.Actual))
            {
                usedExpected.Add(pair.Expected);
                usedActual.Add(pair.Actual);
                matched.Add(pair);
            }
        }

        return new ReplayEvaluation(
            [.. matched.OrderBy(m => m.Expected.RaisedAt).ThenBy(m => m.Expected.SourceId, StringComparer.Ordinal)],
            [.. expected.Where(e => !usedExpected.Contains(e)).OrderBy(e => e.RaisedAt)],
            [.. considered.Where(a => !usedActual.Contains(a)).OrderBy(a => a.RaisedAt.ToDateTimeOffset())],
            expected, considered);
    }

    private static KindScore Score(string kind, int expected, int raised, IReadOnlyList<MatchedAlert> matched)
    {
        var errors = matched.Select(m => m.Error.Duration()).Order().ToList();
        TimeSpan? median = errors.Count == 0 ? null
            : errors.Count % 2 == 1 ? errors[errors.Count / 2]
            : (errors[errors.Count / 2 - 1] + errors[errors.Count / 2]) / 2;
        return new KindScore(kind, expected, raised, matched.Count,
            raised == 0 ? null : (double)matched.Count / raised,
            expected == 0 ? null : (double)matched.Count / expected,
            errors.Count == 0 ? null : TimeSpan.FromTicks((long)errors.Average(e => e.Ticks)),
            median,
            errors.Count == 0 ? null : errors[^1]);
    }

    public void WriteText(TextWriter output, string expectedPath)
    {
        output.WriteLine($"Evaluation against {expectedPath}:");
        output.WriteLine();
        output.WriteLine($"{"KIND",-10}  {"EXPECTED",8}  {"RAISED",6}  {"MATCHED",7}  {"PRECISION",9}  {"RECALL",6}  TIMING ERROR mean / median / max");
        foreach (var score in Scores)
        {
            output.WriteLine($"{score.Kind,-10}  {score.Expected,8}  {score.Raised,6}  {score.Matched,7}  {Ratio(score.Precision),9}  {Ratio(score.Recall),6}  " +
                $"{Span(score.MeanError)} / {Span(score.MedianError)} / {Span(score.MaxError)}");
        }

        if (Matched.Any(m => m.Error != TimeSpan.Zero))
        {
            output.WriteLine();
            output.WriteLine("Raised at another time than expected (raised minus expected):");
            foreach (var m in Matched.Where(m => m.Error != TimeSpan.Zero))
            {
                output.WriteLine($"  {m.Expected.Kind,-10}  {m.Expected.SourceId,-8}  {m.Expected.ClaimId}  expected {m.Expected.RaisedAt.UtcDateTime:yyyy-MM-dd HH:mm}, " +
                    $"raised {m.Actual.RaisedAt.ToDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm}  {(m.Error > TimeSpan.Zero ? "+" : "-")}{Span(m.Error.Duration())}");
            }
        }

        if (Missed.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Missed (expected, not raised):");
            foreach (var e in Missed)
            {
                output.WriteLine($"  {e.Kind,-10}  {e.SourceId,-8}  {e.ClaimId}  expected {e.RaisedAt.UtcDateTime:yyyy-MM-dd HH:mm}");
            }
        }

        if (Unexpected.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Unexpected (raised, not expected):");
            foreach (var a in Unexpected)
            {
                output.WriteLine($"  {AlertOutput.Kind(a.Kind),-10}  {a.SourceId,-8}  {a.ClaimId}  raised {a.RaisedAt.ToDateTimeOffset().UtcDateTime:yyyy-MM-dd HH:mm}  {a.Id}");
            }
        }
    }

    public JsonObject ToJson(string expectedPath) => new()
    {
        ["expected_file"] = expectedPath,
        ["precision"] = Overall.Precision,
        ["recall"] = Overall.Recall,
        ["timing_error_hours"] = Errors(Overall),
        ["per_kind"] = new JsonObject(Scores.Take(Kinds.Length).Select(s => KeyValuePair.Create(s.Kind, (JsonNode?)new JsonObject
        {
            ["expected"] = s.Expected,
            ["raised"] = s.Raised,
            ["matched"] = s.Matched,
            ["precision"] = s.Precision,
            ["recall"] = s.Recall,
            ["timing_error_hours"] = Errors(s),
        }))),
        ["expected"] = Overall.Expected,
        ["raised"] = Overall.Raised,
        ["matched"] = new JsonArray([.. Matched.Select(m => (JsonNode)new JsonObject
        {
            ["alert_id"] = m.Actual.Id,
            ["claim_id"] = m.Expected.ClaimId,
            ["source_id"] = m.Expected.SourceId,
            ["kind"] = m.Expected.Kind,
            ["expected_raised_at"] = Rfc3339(m.Expected.RaisedAt),
            ["raised_at"] = Rfc3339(m.Actual.RaisedAt.ToDateTimeOffset()),
            ["error_hours"] = Math.Round(m.Error.TotalHours, 3),
        })]),
        ["missed"] = new JsonArray([.. Missed.Select(e => (JsonNode)new JsonObject
        {
            ["claim_id"] = e.ClaimId,
            ["source_id"] = e.SourceId,
            ["kind"] = e.Kind,
            ["expected_raised_at"] = Rfc3339(e.RaisedAt),
        })]),
        ["unexpected"] = new JsonArray([.. Unexpected.Select(a => (JsonNode)AlertOutput.ToJson(a))]),
    };

    private static JsonObject? Errors(KindScore score) => score.MeanError is null ? null : new JsonObject
    {
        ["mean"] = Math.Round(score.MeanError.Value.TotalHours, 3),
        ["median"] = Math.Round(score.MedianError!.Value.TotalHours, 3),
        ["max"] = Math.Round(score.MaxError!.Value.TotalHours, 3),
    };

    private static string Rfc3339(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);

    private static string Ratio(double? value) => value is { } v ? v.ToString("0.000", CultureInfo.InvariantCulture) : "-";

    /// <summary>"0 h", "13.5 h", "7 d 9.5 h".</summary>
    private static string Span(TimeSpan? span)
    {
        if (span is not { } s)
        {
            return "-";
        }

        var hours = (s - TimeSpan.FromDays(s.Days)).TotalHours.ToString("0.#", CultureInfo.InvariantCulture);
        return s.Days > 0 ? $"{s.Days} d {hours} h" : $"{hours} h";
    }
}
