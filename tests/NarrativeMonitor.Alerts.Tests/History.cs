using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Alerts.Tests;

/// <summary>Builders for a claim's history, in days after a fixed start.</summary>
internal static class History
{
    public const string Claim = "claim-kursk";
    public const string Outlet = "tass";
    public static readonly DateTimeOffset Start = new(2024, 12, 1, 0, 0, 0, TimeSpan.Zero);

    public static DateTimeOffset Day(double day) => Start.AddDays(day);

    public static Confirmation Ack(string source, string article, double day) => new(source, article, Day(day));

    public static Observation Obs(string article, double day, Stance stance, string? evidence = null) =>
        new(article, Day(day), stance, 0.9, evidence ?? $"sentence of {article}");

    /// <summary>isw and reuters acknowledge on days 1 and 2: confirmed on day 2 with the default rules.</summary>
    public static Confirmation[] ConfirmedOnDay2 => [Ack("isw", "isw-1", 1), Ack("reuters", "reuters-1", 2)];

    /// <summary>Wall-clock time of ingestion and classification in the messages; the rules never read it.</summary>
    public static readonly DateTimeOffset Received = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);

    /// <summary>A classification of one article toward <see cref="Claim"/>, published on <paramref name="day"/>.</summary>
    public static ArticleClassified Classified(string articleId, string sourceId, SourceKind kind, double day, Stance stance, ClaimRules? rules = null) => new()
    {
        ArticleId = articleId,
        SourceId = sourceId,
        SourceKind = kind,
        Url = $"https://example.org/{articleId}",
        Title = $"title of {articleId}",
        PublishedAt = Day(day),
        IngestedAt = Received,
        ClassifiedAt = Received,
        ClaimsEvaluated = 1,
        Results =
        [
            new ClaimStanceResult
            {
                ClaimId = Claim,
                Stance = stance,
                Confidence = 0.9,
                Evidence = $"sentence of {articleId}",
                Rules = rules ?? ClaimRules.Default,
            },
        ],
    };

    public static IReadOnlyList<AlertEpisode> Derive(IEnumerable<Confirmation> confirmations, IEnumerable<Observation> observations, ClaimRules? rules = null) =>
        DivergenceRules.Derive(Claim, Outlet, confirmations, rules ?? ClaimRules.Default, observations);
}
