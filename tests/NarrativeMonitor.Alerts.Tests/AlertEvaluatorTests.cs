using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

public sealed class AlertEvaluatorTests
{
    private static readonly AlertEpisode Denial = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 3, Stance.Denies)]));
    private static readonly AlertEpisode ResolvedDenial = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 3, Stance.Denies), Obs("t2", 4, Stance.Acknowledges)]));

    [Fact]
    public void New_episode_is_raised()
    {
        var change = Assert.Single(AlertEvaluator.Diff(new Dictionary<string, AlertRecord>(), [Denial]));

        Assert.Equal(AlertEventType.Raised, change.Event);
        Assert.Equal(AlertState.Open, change.Alert.State);
    }

    [Fact]
    public void New_episode_already_resolved_is_raised_then_resolved()
    {
        var changes = AlertEvaluator.Diff(new Dictionary<string, AlertRecord>(), [ResolvedDenial]);

        Assert.Equal([AlertEventType.Raised, AlertEventType.Resolved], changes.Select(c => c.Event));
        Assert.Equal(AlertState.Open, changes[0].Alert.State);
        Assert.Equal(AlertState.Resolved, changes[1].Alert.State);
    }

    [Fact]
    public void Stored_open_episode_derived_resolved_is_resolved_keeping_the_acknowledgement()
    {
        var acknowledgement = new Acknowledgement("ana", "seen", Start);
        var stored = new AlertRecord { Episode = Denial, Acknowledgement = acknowledgement };

        var change = Assert.Single(AlertEvaluator.Diff(new Dictionary<string, AlertRecord> { [Denial.Id] = stored }, [ResolvedDenial]));

        Assert.Equal(AlertEventType.Resolved, change.Event);
        Assert.Equal(acknowledgement, change.Alert.Acknowledgement);
        Assert.Equal("t2", change.Alert.Episode.ResolvingArticleId);
    }

    [Fact]
    public void Stored_episode_no_longer_derived_is_withdrawn()
    {
        var change = Assert.Single(AlertEvaluator.Diff(new Dictionary<string, AlertRecord> { [Denial.Id] = new() { Episode = Denial } }, []));

        Assert.Equal(AlertEventType.Withdrawn, change.Event);
        Assert.Equal(AlertState.Withdrawn, change.Alert.State);
    }

    [Fact]
    public void Unchanged_episodes_and_withdrawn_ones_still_absent_change_nothing()
    {
        var stored = new Dictionary<string, AlertRecord>
        {
            [Denial.Id] = new() { Episode = Denial with { DivergingArticleIds = [.. Denial.DivergingArticleIds] } },
            ["al-withdrawn"] = new() { Episode = Denial with { Id = "al-withdrawn" }, Withdrawn = true },
        };

        Assert.Empty(AlertEvaluator.Diff(stored, [Denial]));
    }

    [Fact]
    public void Changed_evidence_is_rewritten_without_an_event()
    {
        var joined = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 3, Stance.Denies), Obs("t5", 5, Stance.Denies)]));

        var change = Assert.Single(AlertEvaluator.Diff(new Dictionary<string, AlertRecord> { [Denial.Id] = new() { Episode = Denial } }, [joined]));

        Assert.Null(change.Event);
        Assert.Equal(["t1", "t5"], change.Alert.Episode.DivergingArticleIds);
    }

    [Fact]
    public async Task Evaluating_twice_commits_once()
    {
        var store = new InMemoryAlertStore();
        var evaluator = new AlertEvaluator(store, Options.Create(new AlertOptions()), TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
        foreach (var confirmation in ConfirmedOnDay2)
        {
            await store.RecordConfirmationAsync(Claim, confirmation);
        }

        await store.RecordObservationAsync(Claim, Outlet, Obs("t1", 3, Stance.Denies));

        var first = await evaluator.EvaluateAsync(Claim, Outlet);
        var second = await evaluator.EvaluateAsync(Claim, Outlet);

        Assert.Equal(AlertEventType.Raised, Assert.Single(first).Type);
        Assert.Empty(second);
    }
}
