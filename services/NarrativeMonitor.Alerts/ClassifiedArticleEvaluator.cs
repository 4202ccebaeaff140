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
    /// answers what to report as evaluated (the caller publishes it, alone or in a batch).
    /// </summary>
    public async Task<ArticleEvaluated> EvaluateAsync(ArticleClassified article, IPublishEndpoint publisher, CancellationToken cancellationToken)
    {
        var events = new List<AlertEventRecord>();
        foreach (var result in article.Results)
        {
            var rulesChanged = await ledger.RecordRulesAsync(result.ClaimId, result.Rules ?? ClaimRules.Default, cancellationToken);
            IReadOnlyList<string> outlets;
            if (article.SourceKind == SourceKind.StateMedia)
            {
                await ledger.RecordObservationAsync(result.ClaimId, article.SourceId,
                    new Observation(article.ArticleId, article.PublishedAt, result.Stance, result.Confidence, result.Evidence), cancellationToken);
                outlets = rulesChanged ? await ledger.ListOutletsAsync(result.ClaimId, cancellationToken) : [article.SourceId];
            }
            else if (result.Stance == Stance.Acknowledges || rulesChanged)
            {
                if (result.Stance == Stance.Acknowledges && ConfirmingSource(article) is { } confirmingSource)
                {
                    await ledger.RecordConfirmationAsync(result.ClaimId,
                        new Confirmation(confirmingSource, article.ArticleId, article.PublishedAt), cancellationToken);
                }

                outlets = await ledger.ListOutletsAsync(result.ClaimId, cancellationToken);
            }
            else
            {
                continue;
            }

            // Evaluated even when the article was already recorded: a delivery that failed after recording must still
            // get its alerts committed, and evaluating a settled ledger commits nothing.
            foreach (var outlet in outlets)
            {
                events.AddRange(await evaluator.EvaluateAsync(result.ClaimId, outlet, cancellationToken));
            }
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

        LogEvaluated(article.ArticleId, article.SourceId, raised, resolved);
        return new ArticleEvaluated
        {
            ArticleId = article.ArticleId,
            IngestedAt = article.IngestedAt,
            ClassifiedAt = article.ClassifiedAt,
            EvaluatedAt = time.GetUtcNow(),
            AlertsRaised = raised,
            AlertsResolved = resolved,
        };
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
