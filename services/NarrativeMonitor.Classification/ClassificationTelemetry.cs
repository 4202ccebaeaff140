using System.Diagnostics;
using System.Diagnostics.Metrics;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Classification;

/// <summary>Runs the classifier inside a "classification.classify" activity and records its latency.</summary>
public static class ClassificationTelemetry
{
    public const string ActivityName = "classification.classify";

    public static readonly Histogram<double> Duration = Telemetry.Meter.CreateHistogram<double>(
        "nm.classification.duration", unit: "ms", description: "Time to classify one text against the active claims.");

    public static readonly Counter<long> Results = Telemetry.Meter.CreateCounter<long>(
        "nm.classification.results", description: "Related claim results, by stance.");

    public static IReadOnlyList<StanceResult> Classify(IStanceClassifier classifier, ArticleText text, IPreparedClaims claims, string origin, string? articleId = null)
    {
        using var activity = Telemetry.ActivitySource.StartActivity(ActivityName);
        activity?.SetTag("nm.article.id", articleId);
        activity?.SetTag("nm.claims.count", claims.Claims.Count);
        var started = Stopwatch.GetTimestamp();
        var results = classifier.Classify(text, claims);
        Duration.Record(Stopwatch.GetElapsedTime(started).TotalMilliseconds, new KeyValuePair<string, object?>("origin", origin));
        foreach (var result in results)
        {
            Results.Add(1, new KeyValuePair<string, object?>("stance", result.Stance.ToString()));
        }

        activity?.SetTag("nm.results.count", results.Count);
        return results;
    }
}
