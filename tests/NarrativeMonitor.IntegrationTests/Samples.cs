using System.Text.Json;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Testing;

namespace NarrativeMonitor.IntegrationTests;

/// <summary>The sample corpora in samples/ and the alerts their README says replay raises.</summary>
public static class Samples
{
    public static string RepositoryRoot => RepositoryPaths.Root;

    public static string Folder(string name) => Path.Combine(RepositoryRoot, "samples", name);

    public static Corpus Load(string name) => Corpus.Load(Folder(name));

    public static IReadOnlyList<string> CorpusNames() =>
        Directory.GetDirectories(Path.Combine(RepositoryRoot, "samples"))
            .Where(d => File.Exists(Path.Combine(d, Corpus.ArticlesFile)))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .ToList();

    /// <summary>expected-alerts.json, as comparable lines "claim source kind raised resolved".</summary>
    public static IReadOnlyList<string> ExpectedAlerts(string name)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(Path.Combine(Folder(name), "expected-alerts.json")));
        return document.RootElement.EnumerateArray()
            .Select(e => Line(
                e.GetProperty("claim_id").GetString()!,
                e.GetProperty("source_id").GetString()!,
                e.GetProperty("kind").GetString()!,
                DateTimeOffset.Parse(e.GetProperty("raised_at").GetString()!, System.Globalization.CultureInfo.InvariantCulture),
                e.TryGetProperty("resolved_at", out var resolved) && resolved.ValueKind == JsonValueKind.String
                    ? DateTimeOffset.Parse(resolved.GetString()!, System.Globalization.CultureInfo.InvariantCulture)
                    : null))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    public static IReadOnlyList<string> Lines(IEnumerable<Alert> alerts) =>
        alerts.Select(a => Line(a.ClaimId, a.SourceId, AlertOutput.Kind(a.Kind), a.RaisedAt.ToDateTimeOffset(), a.ResolvedAt?.ToDateTimeOffset()))
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string Line(string claim, string source, string kind, DateTimeOffset raised, DateTimeOffset? resolved) =>
        $"{claim} {source} {kind} raised {raised.UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} resolved {(resolved is null ? "-" : resolved.Value.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture))}";
}
