using System.Diagnostics.Metrics;
using MassTransit;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// The per-article work of the alert service, shared by the single-article and the batch consumer: records a classified
/// article in the ledger (a confirmation, or a state outlet's observation), re-evaluates the outlets it can affect and
/// publishes the alert changes. Idempotent: a redelivered article changes nothing.
/// </summary>
public sealed partial class ClassifiedArticleEvaluator(IAlertLedger ledger, AlertEvaluator evaluator, TimeProvider time, ILogger<ClassifiedArticleEvaluator> logger)
{
    private static readonly Counter<long> RaisedCounter = Telemetry.Meter.CreateCounter<long>(
        "nm.alerts.raised", "{alert}", "Divergence alerts raised, by kind (denial, deflection, omission).");
    private static readonly Counter<long> ResolvedCounter = Telemetry.Meter.CreateCounter<long>(
        "nm.alerts.resolved", "{alert}", "Divergence alerts resolved by an acknowledgement (outcome=resolved) or withdrawn after late evidence (outcome=withdrawn), by kind.");

    /// <summary>
    /// Records and evaluates <paramref name="article"/>, publishes its alert events on <paramref name="publisher"/> and
    /// answers what to report as evaluated (the caller publishes it).
    /// </summary>
    public async Task<ArticleEvaluated> EvaluateAsync(ArticleClassified article, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        var outlets = new OutletsToEvaluate();
        await RecordAsync(article, outlets, cancellationToken);
        var (raised, resolved) = await EvaluateAndPublishAsync(outlets, publisher, cancellationToken);
        LogEvaluated(article.ArticleId, article.SourceId, raised, resolved);
        return Evaluated(article, raised, resolved);
    }

    /// <summary>
    /// Records every article of a batch, then evaluates each (claim, outlet) they touched once, not once per article:
    /// the episodes are a function of the ledger, so the outcome is the same as article by article, for less work.
    /// The per-article counts of alerts are zero; the batch's are returned.
    /// </summary>
    public async Task<(IReadOnlyList<ArticleEvaluated> Articles, int Raised, int Resolved)> EvaluateBatchAsync(
        IReadOnlyList<ArticleClassified> articles, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        var outlets = new OutletsToEvaluate();
        foreach (var article in articles)
        {
            await RecordAsync(article, outlets, cancellationToken);
        }

        var (raised, resolved) = await EvaluateAndPublishAsync(outlets, publisher, cancellationToken);
        return ([.. articles.Select(a => Evaluated(a, 0, 0))], raised, resolved);
    }

    /// <summary>Records the article in the ledger and adds the (claim, outlet) pairs it can change to <paramref name="outlets"/>.</summary>
    private async Task RecordAsync(ArticleClassified article, OutletsToEvaluate outlets, CancellationToken cancellationToken)
    {
        foreach (var result in article.Results)
        {
            var description = result.ClaimStatement is { Length: > 0 } statement ? new ClaimDescription(statement, result.ClaimTopic ?? "") : null;
            var rulesChanged = await ledger.RecordRulesAsync(result.ClaimId, result.Rules ?? ClaimRules.Default, description, cancellationToken);
            if (result.Stance != Stance.Unrelated)
            {
                await ledger.RecordTimelineAsync(result.ClaimId,
                    new TimelineEntry(article.ArticleId, article.SourceId, article.SourceKind, article.PublishedAt, result.Stance), cancellationToken);
            }

            if (article.SourceKind == SourceKind.StateMedia)
            {
                await ledger.RecordObservationAsync(result.ClaimId, article.SourceId,
                    new Observation(article.ArticleId, article.PublishedAt, result.Stance, result.Confidence, result.Evidence,
                        article.Url, article.Title, article.SourceName), cancellationToken);
                if (rulesChanged)
                {
                    outlets.AddAll(result.ClaimId, await ledger.ListOutletsAsync(result.ClaimId, cancellationToken));
                }
                else
                {
                    outlets.Add(result.ClaimId, article.SourceId);
                }
            }
            else if (result.Stance == Stance.Acknowledges || rulesChanged)
            {
                if (result.Stance == Stance.Acknowledges && ConfirmingSource(article) is { } confirmingSource)
                {
                    await ledger.RecordConfirmationAsync(result.ClaimId,
                        new Confirmation(confirmingSource, article.ArticleId, article.PublishedAt, article.Url, article.Title,
                            confirmingSource == article.SourceId ? article.SourceName : null, result.Evidence, article.SourceId), cancellationToken);
                }

                outlets.AddAll(result.ClaimId, await ledger.ListOutletsAsync(result.ClaimId, cancellationToken));
            }
        }
    }

    /// <summary>
    /// Evaluates each pair, even when its articles were already recorded: a delivery that failed after recording must
    /// still get its alerts committed, and evaluating a settled ledger commits nothing.
    /// </summary>
    private async Task<(int Raised, int Resolved)> EvaluateAndPublishAsync(OutletsToEvaluate outlets, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        var events = new List<AlertEventRecord>();
        foreach (var (claimId, outlet) in outlets)
        {
            events.AddRange(await evaluator.EvaluateAsync(claimId, outlet, cancellationToken));
        }

        int raised = 0, resolved = 0;
        foreach (var appended in events)
        {
            var episode = appended.Alert.Episode;
            switch (appended.Type)
            {
                case AlertEventType.Raised:
                    raised++;
                    RaisedCounter.Add(1, new KeyValuePair<string, object?>("kind", episode.Kind.ToString().ToLowerInvariant()));
                    await publisher.Publish(new DivergenceAlertRaised
                    {
                        AlertId = episode.Id,
                        ClaimId = episode.ClaimId,
                        SourceId = episode.SourceId,
                        Kind = episode.Kind,
                        Severity = episode.Severity,
                        RaisedAt = episode.RaisedAt,
                        DivergingArticleIds = episode.DivergingArticleIds,
                        ConfirmingArticleIds = episode.ConfirmingArticleIds,
                    }, cancellationToken);
                    break;
                case AlertEventType.Resolved or AlertEventType.Withdrawn:
                    resolved++;
                    ResolvedCounter.Add(1, new KeyValuePair<string, object?>("kind", episode.Kind.ToString().ToLowerInvariant()),
                        new KeyValuePair<string, object?>("outcome", appended.Type == AlertEventType.Withdrawn ? "withdrawn" : "resolved"));
                    await publisher.Publish(new DivergenceAlertResolved
                    {
                        AlertId = episode.Id,
                        ClaimId = episode.ClaimId,
                        SourceId = episode.SourceId,
                        Kind = episode.Kind,
                        ResolvedAt = episode.ResolvedAt,
                        ResolvingArticleId = episode.ResolvingArticleId,
                        Withdrawn = appended.Type == AlertEventType.Withdrawn,
                    }, cancellationToken);
                    break;
            }
        }

        return (raised, resolved);
    }

    private ArticleEvaluated Evaluated(ArticleClassified article, int raised, int resolved) => new()
    {
        ArticleId = article.ArticleId,
        IngestedAt = article.IngestedAt,
        ClassifiedAt = article.ClassifiedAt,
        EvaluatedAt = time.GetUtcNow(),
        AlertsRaised = raised,
        AlertsResolved = resolved,
    };

    /// <summary>The (claim, outlet) pairs to evaluate, each once, in the order they were first added.</summary>
    private sealed class OutletsToEvaluate : IEnumerable<(string ClaimId, string Outlet)>
    {
        private readonly List<(string, string)> _pairs = [];
        private readonly HashSet<(string, string)> _seen = [];

        public void Add(string claimId, string outlet)
        {
            if (_seen.Add((claimId, outlet)))
            {
                _pairs.Add((claimId, outlet));
            }
        }

        public void AddAll(string claimId, IEnumerable<string> outlets)
        {
            foreach (var outlet in outlets)
            {
                Add(claimId, outlet);
            }
        }

        public IEnumerator<(string ClaimId, string Outlet)> GetEnumerator() => _pairs.GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    /// <summary>
    /// The source an acknowledging article of a source that is not state media confirms the claim for: its own, or, for a
    /// near-duplicate (another outlet's copy of the same wire text), its original's, so that copies of one text count
    /// once; none for a copy of a state media text. Recorded per article, so the earliest article of a source still counts.
    /// </summary>
    internal static string? ConfirmingSource(ArticleClassified article) =>
        article.NearDuplicateOfSourceId is not { Length: > 0 } original ? article.SourceId
        : article.NearDuplicateOfSourceKind == SourceKind.StateMedia ? null
        : original;

    [LoggerMessage(LogLevel.Debug, "Evaluated {ArticleId} from {SourceId}: {AlertsRaised} raised, {AlertsResolved} resolved")]
    private partial void LogEvaluated(string articleId, string sourceId, int alertsRaised, int alertsResolved);
}
