using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.LoadTest;

/// <summary>Latencies in milliseconds, by nearest rank.</summary>
public sealed record Percentiles(int Count, double P50, double P90, double P99, double Max)
{
    public static Percentiles Of(List<double> values)
    {
        if (values.Count == 0)
        {
            return new Percentiles(0, double.NaN, double.NaN, double.NaN, double.NaN);
        }

        values.Sort();
        double Rank(double p) => values[Math.Clamp((int)Math.Ceiling(p / 100 * values.Count) - 1, 0, values.Count - 1)];
        return new Percentiles(values.Count, Rank(50), Rank(90), Rank(99), values[^1]);
    }
}

public sealed class LoadReport
{
    private readonly Dictionary<string, object?> _summary = new(StringComparer.Ordinal);
    private readonly List<string> _lines = [];

    public static LoadReport Compute(LoadOptions options, SyntheticCorpus corpus, SubmissionLog log, EvaluationRecorder recorder,
        IReadOnlyDictionary<IntendedStance, int> mix, DateTimeOffset started, DateTimeOffset submitted, DateTimeOffset finished,
        int missing, TimeSpan cpu, AlertCounts alerts, string target, string prefix, double averageCharacters, double stanceAgreement)
    {
        var ingested = new List<double>();
        var classified = new List<double>();
        var evaluated = new List<double>();
        var classifyStage = new List<double>();
        var alertStage = new List<double>();
        int accepted = 0, duplicates = 0, rejected = 0, alertsRaisedEvents = 0;
        var firstWrite = DateTimeOffset.MaxValue;
        var lastEvaluation = DateTimeOffset.MinValue;
        for (var i = options.Warmup; i < options.Warmup + options.Articles; i++)
        {
            switch (log.Outcome[i])
            {
                case SubmissionOutcome.Accepted: accepted++; break;
                case SubmissionOutcome.Duplicate: duplicates++; break;
                case SubmissionOutcome.Rejected: rejected++; break;
            }

            if (log.SubmittedAt[i] != default && log.SubmittedAt[i] < firstWrite)
            {
                firstWrite = log.SubmittedAt[i];
            }

            if (log.Outcome[i] != SubmissionOutcome.Accepted || !recorder.TryGet(corpus.ArticleId(i), out var e))
            {
                continue;
            }

            var at = log.SubmittedAt[i];
            ingested.Add((e.IngestedAt - at).TotalMilliseconds);
            classified.Add((e.ClassifiedAt - at).TotalMilliseconds);
            evaluated.Add((e.EvaluatedAt - at).TotalMilliseconds);
            classifyStage.Add((e.ClassifiedAt - e.IngestedAt).TotalMilliseconds);
            alertStage.Add((e.EvaluatedAt - e.ClassifiedAt).TotalMilliseconds);
            alertsRaisedEvents += e.AlertsRaised;
            if (e.EvaluatedAt > lastEvaluation)
            {
                lastEvaluation = e.EvaluatedAt;
            }
        }

        var evaluatedCount = evaluated.Count;
        var duration = evaluatedCount > 0 ? (lastEvaluation - firstWrite).TotalSeconds : (finished - started).TotalSeconds;
        var submitDuration = (submitted - started).TotalSeconds;
        var pIngested = Percentiles.Of(ingested);
        var pClassified = Percentiles.Of(classified);
        var pEvaluated = Percentiles.Of(evaluated);
        var pClassifyStage = Percentiles.Of(classifyStage);
        var pAlertStage = Percentiles.Of(alertStage);
        var throughput = duration > 0 ? evaluatedCount / duration : 0;
        var submitRate = submitDuration > 0 ? (options.Articles - log.Failed) / submitDuration : 0;
        var cpuPercent = 100 * cpu.TotalSeconds / (finished - started).TotalSeconds;

        var report = new LoadReport();
        var rabbit = options.RabbitMq!;
        report._lines.Add($"NarrativeMonitor load test: {target}, RabbitMQ {rabbit.Host}:{rabbit.Port}" +
            (options.SelfHost ? $", Redis {options.Redis}, prefix {prefix}" : $", ingest {options.Ingest}, entity prefix '{options.EntityPrefix}'"));
        report._lines.Add($"  {options.Articles} articles (+{options.Warmup} warm-up, ~{averageCharacters:F0} characters each), {options.Claims} claims, " +
            $"{options.Streams} streams x {options.Batch} articles per call, rate {(options.Rate > 0 ? Num(options.Rate) + "/s" : "unbounded")}, seed {options.Seed}");
        report._lines.Add("  written as: " + string.Join(", ", Enum.GetValues<IntendedStance>()
            .Select(s => $"{s.ToString().ToLowerInvariant()} {100.0 * mix.GetValueOrDefault(s) / options.Articles:F1}%")) +
            $"; classifier agreement on a sample {stanceAgreement:F1}%");
        report._lines.Add($"Submission: {options.Articles - log.Failed} written in {submitDuration:F1} s ({submitRate:F0} articles/s): " +
            $"{accepted} accepted, {duplicates} duplicates, {rejected} rejected, {log.Failed} failed");
        report._lines.Add($"Pipeline:   {evaluatedCount} of {accepted} accepted articles evaluated in {duration:F1} s (first write to last evaluation): " +
            $"{throughput:F0} articles/s end to end" + (missing > 0 ? $"; {missing} MISSING" : ""));
        report._lines.Add($"Latency (ms)                      {"p50",8} {"p90",8} {"p99",8} {"max",8}");
        report.AddLatency("submitted -> ingested", pIngested);
        report.AddLatency("submitted -> classified", pClassified);
        report.AddLatency("submitted -> alert evaluated", pEvaluated);
        report.AddLatency("  stage ingested -> classified", pClassifyStage);
        report.AddLatency("  stage classified -> evaluated", pAlertStage);
        report._lines.Add($"Alerts of the run's claims: {alerts.Total} (" +
            string.Join(", ", alerts.ByKind.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")) + "; " +
            string.Join(", ", alerts.ByState.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}")) +
            $"); raised while measuring: {alertsRaisedEvents}");
        report._lines.Add($"CPU of this process while measuring: {cpuPercent:F0}% of one core ({Environment.ProcessorCount} cores)" +
            (options.SelfHost ? ", services included" : ", the tool alone"));
        foreach (var error in log.Errors)
        {
            report._lines.Add("  error: " + error);
        }

        var s = report._summary;
        s["articles"] = options.Articles;
        s["claims"] = options.Claims;
        s["rate_target"] = options.Rate;
        s["streams"] = options.Streams;
        s["batch"] = options.Batch;
        s["warmup"] = options.Warmup;
        s["target"] = target;
        s["duration_s"] = Round(duration, 2);
        s["submit_duration_s"] = Round(submitDuration, 2);
        s["submit_aps"] = Round(submitRate, 1);
        s["throughput_aps"] = Round(throughput, 1);
        s["accepted"] = accepted;
        s["duplicates"] = duplicates;
        s["rejected"] = rejected;
        s["failed"] = log.Failed;
        s["evaluated"] = evaluatedCount;
        s["missing"] = missing;
        AddPercentiles(s, "ingested", pIngested);
        AddPercentiles(s, "classified", pClassified);
        AddPercentiles(s, "evaluated", pEvaluated);
        AddPercentiles(s, "stage_classify", pClassifyStage);
        AddPercentiles(s, "stage_alert", pAlertStage);
        s["alerts_raised"] = alerts.Total;
        s["alerts_by_kind"] = alerts.ByKind;
        s["alerts_by_state"] = alerts.ByState;
        s["alerts_raised_while_measuring"] = alertsRaisedEvents;
        s["mix"] = Enum.GetValues<IntendedStance>().ToDictionary(k => k.ToString().ToLowerInvariant(), k => mix.GetValueOrDefault(k));
        s["stance_agreement_pct"] = Round(stanceAgreement, 1);
        s["avg_article_chars"] = Math.Round(averageCharacters);
        s["process_cpu_pct"] = Round(cpuPercent, 0);
        s["seed"] = options.Seed;
        s["run_prefix"] = prefix;
        s["machine"] = new Dictionary<string, object?>
        {
            ["cores"] = Environment.ProcessorCount,
            ["os"] = RuntimeInformation.OSDescription,
            ["runtime"] = RuntimeInformation.FrameworkDescription,
            ["cpu"] = CpuModel(),
        };
        return report;
    }

    public void Write(TextWriter output)
    {
        foreach (var line in _lines)
        {
            output.WriteLine(line);
        }

        output.WriteLine(JsonSerializer.Serialize(_summary));
        output.Flush();
    }

    private void AddLatency(string label, Percentiles p) =>
        _lines.Add($"  {label,-32} {Ms(p.P50),8} {Ms(p.P90),8} {Ms(p.P99),8} {Ms(p.Max),8}");

    private static void AddPercentiles(Dictionary<string, object?> summary, string name, Percentiles p)
    {
        summary[name + "_p50_ms"] = Round(p.P50, 1);
        summary[name + "_p90_ms"] = Round(p.P90, 1);
        summary[name + "_p99_ms"] = Round(p.P99, 1);
        summary[name + "_max_ms"] = Round(p.Max, 1);
    }

    private static double? Round(double value, int digits) => double.IsFinite(value) ? Math.Round(value, digits) : null;

    private static string Ms(double value) => double.IsFinite(value) ? value.ToString("F0", CultureInfo.InvariantCulture) : "-";

    private static string Num(double value) => value.ToString("0.#", CultureInfo.InvariantCulture);

    private static string? CpuModel()
    {
        try
        {
            return File.ReadLines("/proc/cpuinfo")
                .FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?
                .Split(':', 2)[1].Trim();
        }
        catch (IOException)
        {
            return null;
        }
        catch (UnauthorizedAccessException)
        {
            return null;
        }
    }
}
