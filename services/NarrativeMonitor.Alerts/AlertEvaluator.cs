using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Alerts;

/// <summary>Re-derives one outlet's episodes on one claim from the ledger and commits the difference.</summary>
public sealed class AlertEvaluator(IAlertLedger ledger, IOptions<AlertOptions> options, TimeProvider time, ILogger<AlertEvaluator> logger)
{
    private static readonly Counter<long> Conflicts = Telemetry.Meter.CreateCounter<long>(
        "narrativemonitor.alerts.commit_conflicts", description: "Ledger commits that lost an optimistic-concurrency race and were retried");

    private static readonly Counter<long> Events = Telemetry.Meter.CreateCounter<long>(
        "narrativemonitor.alerts.events", description: "Alert events committed, by type");

    /// <summary>The events committed; none when the stored alerts already match the ledger (e.g. a redelivery).</summary>
    public async Task<IReadOnlyList<AlertEventRecord>> EvaluateAsync(string claimId, string sourceId, CancellationToken cancellationToken = default)
    {
        for (var attempt = 1; attempt <= options.Value.MaxCommitAttempts; attempt++)
        {
            var snapshot = await ledger.ReadAsync(claimId, sourceId, cancellationToken);
            var derived = DivergenceRules.Derive(claimId, sourceId, snapshot.Confirmations, snapshot.Rules, snapshot.Observations, snapshot.Description);
            var changes = Diff(snapshot.Alerts, derived);
            if (changes.Count == 0)
            {
                return [];
            }

            var committed = await ledger.CommitAsync(snapshot, changes, time.GetUtcNow(), cancellationToken);
            if (committed is not null)
            {
                foreach (var appended in committed)
                {
                    Events.Add(1, new KeyValuePair<string, object?>("type", appended.Type.ToString()));
                    logger.LogInformation("Alert {AlertId} {EventType}: {AlertKind} by {SourceId} on {ClaimId}",
                        appended.Alert.Id, appended.Type, appended.Alert.Episode.Kind, sourceId, claimId);
                }

                return committed;
            }

            Conflicts.Add(1);
            logger.LogDebug("Ledger of {ClaimId}/{SourceId} changed during evaluation (attempt {Attempt}); re-reading", claimId, sourceId, attempt);
        }

        throw new LedgerConflictException($"The ledger of {claimId}/{sourceId} kept changing during {options.Value.MaxCommitAttempts} evaluations");
    }

    /// <summary>
    /// What to write so the stored alerts match the derived episodes: new episodes are raised (and resolved at once if
    /// already resolved), newly resolved ones resolved, stored ones no longer derived withdrawn, and changed evidence
    /// rewritten without an event. An alert an analyst already resolved takes the outlet's acknowledgement as evidence
    /// only: it was resolved once, and stays so without a second event.
    /// </summary>
    public static IReadOnlyList<AlertChange> Diff(IReadOnlyDictionary<string, AlertRecord> stored, IReadOnlyList<AlertEpisode> derived)
    {
        var changes = new List<AlertChange>();
        var derivedIds = derived.Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var alert in stored.Values
                     .Where(a => !a.Withdrawn && !derivedIds.Contains(a.Id))
                     .OrderBy(a => a.Episode.RaisedAt).ThenBy(a => a.Id, StringComparer.Ordinal))
        {
            changes.Add(new AlertChange(alert with { Withdrawn = true }, AlertEventType.Withdrawn));
        }

        foreach (var episode in derived)
        {
            stored.TryGetValue(episode.Id, out var existing);
            if (existing is null || existing.Withdrawn)
            {
                var raised = new AlertRecord
                {
                    Episode = episode with { ResolvedAt = null, ResolvingArticleId = null },
                    Acknowledgement = existing?.Acknowledgement,
                    Resolution = existing?.Resolution,
                };
                changes.Add(new AlertChange(raised, AlertEventType.Raised));
                if (episode.IsResolved)
                {
                    changes.Add(new AlertChange(raised with { Episode = episode }, raised.Resolution is null ? AlertEventType.Resolved : null));
                }
            }
            else if (!existing.Episode.IsResolved && episode.IsResolved)
            {
                changes.Add(new AlertChange(existing with { Episode = episode }, existing.Resolution is null ? AlertEventType.Resolved : null));
            }
            else if (!existing.Episode.SameAs(episode))
            {
                changes.Add(new AlertChange(existing with { Episode = episode }, null));
            }
        }

        return changes;
    }
}

public sealed class LedgerConflictException(string message) : Exception(message);
