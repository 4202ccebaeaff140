using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Testing;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

/// <summary>The behaviour both stores must share; each test starts from an empty store.</summary>
public abstract class AlertStoreContractTests
{
    private static readonly DateTimeOffset Now = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);

    /// <summary>An empty store; the same instance serves as ledger and alert store, as in the service.</summary>
    protected abstract Task<InterfacePair> CreateStoreAsync();

    protected sealed record InterfacePair(IAlertLedger Ledger, IAlertStore Store);

    [Fact]
    public async Task Recording_an_observation_is_idempotent()
    {
        var (ledger, _) = await CreateStoreAsync();

        Assert.True(await ledger.RecordObservationAsync(Claim, Outlet, Obs("t1", 3, Stance.Denies, "first")));
        var before = await ledger.ReadAsync(Claim, Outlet);
        Assert.False(await ledger.RecordObservationAsync(Claim, Outlet, Obs("t1", 4, Stance.Omits, "again")));
        var after = await ledger.ReadAsync(Claim, Outlet);

        var observation = Assert.Single(after.Observations);
        Assert.Equal(Obs("t1", 3, Stance.Denies, "first"), observation);
        Assert.Equal(before.OutletVersion, after.OutletVersion);
        Assert.True(after.OutletVersion > 0);
        Assert.Empty((await ledger.ReadAsync(Claim, "rt")).Observations);
    }

    [Fact]
    public async Task Recording_a_confirmation_is_idempotent()
    {
        var (ledger, _) = await CreateStoreAsync();

        Assert.True(await ledger.RecordConfirmationAsync(Claim, Ack("isw", "isw-1", 1)));
        var before = await ledger.ReadAsync(Claim, Outlet);
        Assert.False(await ledger.RecordConfirmationAsync(Claim, Ack("isw", "isw-1", 1)));
        Assert.True(await ledger.RecordConfirmationAsync(Claim, Ack("isw", "isw-2", 2)));
        var after = await ledger.ReadAsync(Claim, Outlet);

        Assert.Equal([Ack("isw", "isw-1", 1), Ack("isw", "isw-2", 2)], after.Confirmations.OrderBy(c => c.ArticleId));
        Assert.Equal(before.ClaimVersion + 1, after.ClaimVersion);
        Assert.Empty((await ledger.ReadAsync("other-claim", Outlet)).Confirmations);
    }

    [Fact]
    public async Task The_latest_rules_are_kept_and_a_change_bumps_the_claim_version()
    {
        var (ledger, _) = await CreateStoreAsync();
        Assert.Equal(ClaimRules.Default, (await ledger.ReadAsync(Claim, Outlet)).Rules);
        var rules = new ClaimRules { ConfirmationSources = 3, OmissionArticles = 4, OmissionWindow = TimeSpan.FromDays(7) };

        Assert.True(await ledger.RecordRulesAsync(Claim, rules));
        var version = (await ledger.ReadAsync(Claim, Outlet)).ClaimVersion;
        Assert.False(await ledger.RecordRulesAsync(Claim, rules with { }));

        var snapshot = await ledger.ReadAsync(Claim, Outlet);
        Assert.Equal(rules, snapshot.Rules);
        Assert.Equal(version, snapshot.ClaimVersion);
        Assert.True(await ledger.RecordRulesAsync(Claim, ClaimRules.Default));
        Assert.True((await ledger.ReadAsync(Claim, Outlet)).ClaimVersion > version);
    }

    [Fact]
    public async Task State_outlets_of_a_claim_are_listed()
    {
        var (ledger, _) = await CreateStoreAsync();
        await ledger.RecordObservationAsync(Claim, "tass", Obs("t1", 1, Stance.Omits));
        await ledger.RecordObservationAsync(Claim, "rt", Obs("r1", 1, Stance.Omits));
        await ledger.RecordObservationAsync(Claim, "rt", Obs("r2", 2, Stance.Omits));
        await ledger.RecordObservationAsync("other-claim", "ria", Obs("x1", 1, Stance.Omits));

        Assert.Equal(["rt", "tass"], await ledger.ListOutletsAsync(Claim));
        Assert.Empty(await ledger.ListOutletsAsync("unknown-claim"));
    }

    [Fact]
    public async Task Commit_writes_the_alerts_and_appends_one_event_per_change_in_order()
    {
        var (ledger, store) = await CreateStoreAsync();
        await ledger.RecordObservationAsync(Claim, Outlet, Obs("t1", 3, Stance.Denies));
        var snapshot = await ledger.ReadAsync(Claim, Outlet);
        var open = Alert("t1", 3);
        var resolved = open with { Episode = open.Episode with { ResolvedAt = Day(4), ResolvingArticleId = "t2" } };
        var other = Alert("t9", 5, AlertKind.Deflection);

        var events = await ledger.CommitAsync(snapshot,
            [new(open, AlertEventType.Raised), new(resolved, AlertEventType.Resolved), new(other, AlertEventType.Raised), new(other, null)], Now);

        Assert.NotNull(events);
        Assert.Equal([AlertEventType.Raised, AlertEventType.Resolved, AlertEventType.Raised], events.Select(e => e.Type));
        Assert.Equal(events, await store.ReadEventsAsync(null, 100), EventComparer.Instance);
        Assert.All(events, e => Assert.Equal(Now, e.RecordedAt));
        Assert.Equal(AlertState.Resolved, (await store.GetAsync(open.Id))!.State);
        Assert.True((await store.GetAsync(other.Id))!.Episode.SameAs(other.Episode));
        var reread = await ledger.ReadAsync(Claim, Outlet);
        Assert.Equal(new[] { open.Id, other.Id }.Order(StringComparer.Ordinal), reread.Alerts.Keys.Order(StringComparer.Ordinal));
        Assert.True(reread.OutletVersion > snapshot.OutletVersion);
    }

    [Fact]
    public async Task Commit_fails_and_writes_nothing_when_the_outlet_changed_since_the_snapshot()
    {
        var (ledger, store) = await CreateStoreAsync();
        await ledger.RecordObservationAsync(Claim, Outlet, Obs("t1", 3, Stance.Denies));
        var snapshot = await ledger.ReadAsync(Claim, Outlet);
        await ledger.RecordObservationAsync(Claim, Outlet, Obs("t2", 4, Stance.Acknowledges));

        var events = await ledger.CommitAsync(snapshot, [new(Alert("t1", 3), AlertEventType.Raised)], Now);

        Assert.Null(events);
        Assert.Null(await store.GetAsync(Alert("t1", 3).Id));
        Assert.Empty(await store.ReadEventsAsync(null, 100));
        Assert.Empty((await ledger.ReadAsync(Claim, Outlet)).Alerts);
    }

    [Fact]
    public async Task Commit_fails_when_the_claims_confirmations_changed_since_the_snapshot()
    {
        var (ledger, store) = await CreateStoreAsync();
        await ledger.RecordConfirmationAsync(Claim, Ack("isw", "isw-1", 1));
        var snapshot = await ledger.ReadAsync(Claim, Outlet);
        await ledger.RecordConfirmationAsync(Claim, Ack("ap", "ap-1", 1));

        Assert.Null(await ledger.CommitAsync(snapshot, [new(Alert("t1", 3), AlertEventType.Raised)], Now));
        Assert.Empty(await store.ReadEventsAsync(null, 100));
    }

    [Fact]
    public async Task Of_two_commits_from_the_same_snapshot_only_the_first_succeeds()
    {
        var (ledger, store) = await CreateStoreAsync();
        var snapshot = await ledger.ReadAsync(Claim, Outlet);

        var first = await ledger.CommitAsync(snapshot, [new(Alert("t1", 3), AlertEventType.Raised)], Now);
        var second = await ledger.CommitAsync(snapshot, [new(Alert("t1", 3), AlertEventType.Raised)], Now);

        Assert.NotNull(first);
        Assert.Null(second);
        Assert.Single(await store.ReadEventsAsync(null, 100));
    }

    [Fact]
    public async Task Commit_fails_when_an_analyst_acknowledged_a_changed_alert_since_the_snapshot()
    {
        var (ledger, store) = await CreateStoreAsync();
        var alert = Alert("t1", 3);
        Assert.NotNull(await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), [new(alert, AlertEventType.Raised)], Now));
        var snapshot = await ledger.ReadAsync(Claim, Outlet);
        await store.AcknowledgeAsync(alert.Id, "ana", "", Now);

        var resolved = snapshot.Alerts[alert.Id] with { Episode = alert.Episode with { ResolvedAt = Day(4), ResolvingArticleId = "t2" } };
        Assert.Null(await ledger.CommitAsync(snapshot, [new(resolved, AlertEventType.Resolved)], Now));

        var retried = await ledger.ReadAsync(Claim, Outlet);
        var events = await ledger.CommitAsync(retried, [new(retried.Alerts[alert.Id] with { Episode = resolved.Episode }, AlertEventType.Resolved)], Now);
        Assert.Equal("ana", Assert.Single(events!).Alert.Acknowledgement?.Analyst);
        var stored = await store.GetAsync(alert.Id);
        Assert.Equal(AlertState.Resolved, stored!.State);
        Assert.Equal("ana", stored.Acknowledgement?.Analyst);
    }

    [Fact]
    public async Task Events_resume_right_after_a_cursor_without_gaps_or_repeats()
    {
        var (ledger, store) = await CreateStoreAsync();
        var committed = new List<AlertEventRecord>();
        for (var i = 0; i < 7; i++)
        {
            var snapshot = await ledger.ReadAsync(Claim, Outlet);
            committed.AddRange((await ledger.CommitAsync(snapshot, [new(Alert($"t{i}", i), AlertEventType.Raised)], Now))!);
        }

        var read = new List<AlertEventRecord>();
        string? cursor = null;
        while (true)
        {
            var batch = await store.ReadEventsAsync(cursor, 3);
            if (batch.Count == 0)
            {
                break;
            }

            Assert.True(batch.Count <= 3);
            read.AddRange(batch);
            cursor = batch[^1].Cursor;
        }

        Assert.Equal(committed, read, EventComparer.Instance);
        Assert.Equal(7, read.Select(e => e.Cursor).Distinct().Count());
        Assert.Equal(committed.Skip(3), await store.ReadEventsAsync(committed[2].Cursor, 100), EventComparer.Instance);
        Assert.Empty(await store.ReadEventsAsync(committed[^1].Cursor, 100));
        Assert.True(store.IsValidCursor(committed[2].Cursor));
        Assert.False(store.IsValidCursor("not-a-cursor"));
        await Assert.ThrowsAsync<FormatException>(() => store.ReadEventsAsync("not-a-cursor", 10));
    }

    [Fact]
    public async Task Waiting_for_events_completes_once_an_event_follows_the_cursor()
    {
        var (ledger, store) = await CreateStoreAsync();
        var empty = await store.LatestCursorAsync();
        Assert.True(store.IsValidCursor(empty));
        Assert.Empty(await store.ReadEventsAsync(empty, 10));
        await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), [new(Alert("t1", 1), AlertEventType.Raised)], Now);
        var latest = await store.LatestCursorAsync();
        Assert.Single(await store.ReadEventsAsync(empty, 10));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var waiting = store.WaitForEventsAsync(latest, timeout.Token);
        await Task.Delay(200);
        Assert.False(waiting.IsCompleted);
        var appended = await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), [new(Alert("t2", 2), AlertEventType.Raised)], Now);
        await waiting;

        Assert.Equal(appended, await store.ReadEventsAsync(latest, 10), EventComparer.Instance);
        await store.WaitForEventsAsync(empty, timeout.Token);
    }

    [Fact]
    public async Task Acknowledging_records_one_event_and_is_idempotent()
    {
        var (ledger, store) = await CreateStoreAsync();
        var alert = Alert("t1", 3);
        await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), [new(alert, AlertEventType.Raised)], Now);

        var first = await store.AcknowledgeAsync(alert.Id, "ana", "checked", Now.AddHours(1));
        var second = await store.AcknowledgeAsync(alert.Id, "bob", "again", Now.AddHours(2));

        Assert.Equal(AcknowledgeOutcome.Acknowledged, first.Outcome);
        Assert.Equal(AlertState.Acknowledged, first.Alert!.State);
        Assert.Equal(new Acknowledgement("ana", "checked", Now.AddHours(1)), first.Alert.Acknowledgement);
        Assert.Equal(AcknowledgeOutcome.AlreadyAcknowledged, second.Outcome);
        Assert.Equal("ana", second.Alert!.Acknowledgement!.Analyst);
        Assert.Null(second.Event);
        var events = await store.ReadEventsAsync(null, 100);
        Assert.Equal([AlertEventType.Raised, AlertEventType.Acknowledged], events.Select(e => e.Type));
        Assert.Equal(first.Event, events[1], EventComparer.Instance);
        Assert.Equal(AlertState.Acknowledged, events[1].Alert.State);
        Assert.Equal(AlertState.Acknowledged, (await store.GetAsync(alert.Id))!.State);
        Assert.Equal(AlertState.Acknowledged, (await ledger.ReadAsync(Claim, Outlet)).Alerts[alert.Id].State);
    }

    [Fact]
    public async Task Acknowledging_an_unknown_or_withdrawn_alert_is_refused()
    {
        var (ledger, store) = await CreateStoreAsync();
        var alert = Alert("t1", 3);
        await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), [new(alert with { Withdrawn = true }, AlertEventType.Withdrawn)], Now);

        Assert.Equal(AcknowledgeOutcome.NotFound, (await store.AcknowledgeAsync("al-unknown", "ana", "", Now)).Outcome);
        Assert.Equal(AcknowledgeOutcome.Withdrawn, (await store.AcknowledgeAsync(alert.Id, "ana", "", Now)).Outcome);
        Assert.Single(await store.ReadEventsAsync(null, 100));
    }

    [Fact]
    public async Task Listing_filters_orders_newest_raised_first_and_pages()
    {
        var (ledger, store) = await CreateStoreAsync();
        AlertRecord[] alerts =
        [
            Alert("t1", 1), Alert("t2", 2, AlertKind.Omission), Alert("t3", 3, AlertKind.Deflection), Alert("t4", 3),
            Alert("r1", 4, source: "rt"), Alert("x1", 5, claim: "other-claim"), Alert("t5", 6) with { Withdrawn = true },
        ];
        foreach (var group in alerts.GroupBy(a => (a.Episode.ClaimId, a.Episode.SourceId)))
        {
            var snapshot = await ledger.ReadAsync(group.Key.ClaimId, group.Key.SourceId);
            Assert.NotNull(await ledger.CommitAsync(snapshot, group.Select(a => new AlertChange(a, AlertEventType.Raised)).ToList(), Now));
        }

        await store.AcknowledgeAsync(alerts[0].Id, "ana", "", Now);

        var all = await store.ListAsync(new AlertQuery());
        var sameTime = new[] { alerts[2].Id, alerts[3].Id }.OrderDescending(StringComparer.Ordinal);
        Assert.Equal([alerts[5].Id, alerts[4].Id, .. sameTime, alerts[1].Id, alerts[0].Id], all.Alerts.Select(a => a.Id));
        Assert.Null(all.NextPageToken);

        var pages = new List<string>();
        string? token = null;
        var pageCount = 0;
        do
        {
            var page = await store.ListAsync(new AlertQuery { PageSize = 2, PageToken = token });
            Assert.True(page.Alerts.Count <= 2);
            pages.AddRange(page.Alerts.Select(a => a.Id));
            token = page.NextPageToken;
            pageCount++;
        }
        while (token is not null);

        Assert.Equal(all.Alerts.Select(a => a.Id), pages);
        Assert.Equal(3, pageCount);

        Assert.Equal([alerts[4].Id], (await store.ListAsync(new AlertQuery { SourceId = "rt" })).Alerts.Select(a => a.Id));
        Assert.Equal([alerts[5].Id], (await store.ListAsync(new AlertQuery { ClaimId = "other-claim" })).Alerts.Select(a => a.Id));
        Assert.Equal([alerts[1].Id], (await store.ListAsync(new AlertQuery { Kind = AlertKind.Omission })).Alerts.Select(a => a.Id));
        Assert.Equal([alerts[0].Id], (await store.ListAsync(new AlertQuery { State = AlertState.Acknowledged })).Alerts.Select(a => a.Id));
        Assert.Equal([alerts[6].Id], (await store.ListAsync(new AlertQuery { State = AlertState.Withdrawn })).Alerts.Select(a => a.Id));
        Assert.Equal(4, (await store.ListAsync(new AlertQuery { ClaimId = Claim, SourceId = Outlet })).Alerts.Count);
        await Assert.ThrowsAsync<FormatException>(() => store.ListAsync(new AlertQuery { PageToken = "garbage!" }));
    }

    [Fact]
    public async Task Observations_and_confirmations_keep_what_explanations_need()
    {
        var (ledger, _) = await CreateStoreAsync();
        var observation = new Observation("t1", Day(3), Stance.Omits, 0.8, null, "https://tass.example/t1", "Kursk: fighting goes on", "TASS");
        var confirmation = new Confirmation("isw", "copy-1", Day(1), "https://wire.example/1", "Troops confirmed", null, "They are there.", "wire");

        await ledger.RecordObservationAsync(Claim, Outlet, observation);
        await ledger.RecordConfirmationAsync(Claim, confirmation);
        var snapshot = await ledger.ReadAsync(Claim, Outlet);

        Assert.Equal(observation, Assert.Single(snapshot.Observations));
        Assert.Equal(confirmation, Assert.Single(snapshot.Confirmations));
    }

    [Fact]
    public async Task A_claims_description_is_kept_and_a_change_bumps_the_claim_version()
    {
        var (ledger, _) = await CreateStoreAsync();
        var description = new ClaimDescription("Troops are in Kursk", "fighting in Kursk");
        Assert.Null((await ledger.ReadAsync(Claim, Outlet)).Description);

        Assert.True(await ledger.RecordRulesAsync(Claim, ClaimRules.Default, description));
        var version = (await ledger.ReadAsync(Claim, Outlet)).ClaimVersion;
        Assert.False(await ledger.RecordRulesAsync(Claim, ClaimRules.Default, description with { }));
        Assert.False(await ledger.RecordRulesAsync(Claim, ClaimRules.Default));
        Assert.Equal(description, (await ledger.ReadAsync(Claim, Outlet)).Description);
        Assert.Equal(version, (await ledger.ReadAsync(Claim, Outlet)).ClaimVersion);

        Assert.True(await ledger.RecordRulesAsync(Claim, ClaimRules.Default, description with { Topic = "the war" }));
        var changed = await ledger.ReadAsync(Claim, Outlet);
        Assert.Equal("the war", changed.Description!.Topic);
        Assert.True(changed.ClaimVersion > version);
        Assert.Null((await ledger.ReadAsync("other-claim", Outlet)).Description);
    }

    [Fact]
    public async Task Commits_append_a_system_audit_entry_per_event_and_events_carry_the_trail()
    {
        var (ledger, store) = await CreateStoreAsync();
        var open = Alert("t1", 3);
        var resolved = open with { Episode = open.Episode with { ResolvedAt = Day(4), ResolvingArticleId = "t2" } };

        var events = await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet),
            [new(open, AlertEventType.Raised, "raised for a test"), new(resolved, AlertEventType.Resolved), new(resolved, null)], Now);

        Assert.Equal([AlertEventType.Raised], events![0].Alert.Audit.Select(a => a.Type));
        Assert.Equal([AlertEventType.Raised, AlertEventType.Resolved], events[1].Alert.Audit.Select(a => a.Type));
        var stored = (await store.GetAsync(open.Id))!;
        Assert.Equal(
            [new AlertAuditEntry(AlertEventType.Raised, AlertAudit.SystemActor, "raised for a test", Now),
             new AlertAuditEntry(AlertEventType.Resolved, AlertAudit.SystemActor, AlertExplanations.ResolutionReason(resolved.Episode), Now)],
            stored.Audit);
        Assert.Contains("t2", stored.Audit[1].Note);
        Assert.Equal(stored.Audit, (await store.ReadEventsAsync(null, 10))[1].Alert.Audit);
        Assert.Equal(stored.Audit, (await ledger.ReadAsync(Claim, Outlet)).Alerts[open.Id].Audit);
    }

    [Fact]
    public async Task Acknowledging_and_resolving_append_the_analysts_audit_entries_in_order()
    {
        var (ledger, store) = await CreateStoreAsync();
        var alert = Alert("t1", 3);
        await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), [new(alert, AlertEventType.Raised)], Now);

        await store.AcknowledgeAsync(alert.Id, "ana", "looking", Now.AddHours(1));
        var first = await store.ResolveAsync(alert.Id, "bob", "false positive: satire", Now.AddHours(2));
        var again = await store.ResolveAsync(alert.Id, "carol", "again", Now.AddHours(3));

        Assert.Equal(ResolveOutcome.Resolved, first.Outcome);
        Assert.Equal(AlertState.Resolved, first.Alert!.State);
        Assert.Equal(new AnalystResolution("bob", "false positive: satire", Now.AddHours(2)), first.Alert.Resolution);
        Assert.Equal(ResolveOutcome.AlreadyResolved, again.Outcome);
        Assert.Null(again.Event);
        Assert.Equal("bob", again.Alert!.Resolution!.Analyst);
        var stored = (await store.GetAsync(alert.Id))!;
        Assert.Equal(AlertState.Resolved, stored.State);
        Assert.Equal(
            [(AlertEventType.Raised, AlertAudit.SystemActor), (AlertEventType.Acknowledged, "ana"), (AlertEventType.Resolved, "bob")],
            stored.Audit.Select(a => (a.Type, a.Actor)));
        Assert.Equal(new AlertAuditEntry(AlertEventType.Resolved, "bob", "false positive: satire", Now.AddHours(2)), stored.Audit[2]);
        var events = await store.ReadEventsAsync(null, 100);
        Assert.Equal([AlertEventType.Raised, AlertEventType.Acknowledged, AlertEventType.Resolved], events.Select(e => e.Type));
        Assert.Equal(first.Event, events[2], EventComparer.Instance);
        Assert.Equal(stored.Audit, events[2].Alert.Audit);
        Assert.Equal("bob", events[2].Alert.Resolution!.Analyst);
    }

    [Fact]
    public async Task Resolving_an_unknown_withdrawn_or_already_resolved_alert_changes_nothing()
    {
        var (ledger, store) = await CreateStoreAsync();
        var withdrawn = Alert("t1", 3);
        var resolvedByOutlet = Alert("t5", 4, AlertKind.Deflection);
        resolvedByOutlet = resolvedByOutlet with { Episode = resolvedByOutlet.Episode with { ResolvedAt = Day(5), ResolvingArticleId = "t6" } };
        await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet),
            [new(withdrawn with { Withdrawn = true }, AlertEventType.Withdrawn), new(resolvedByOutlet, AlertEventType.Resolved)], Now);

        Assert.Equal(ResolveOutcome.NotFound, (await store.ResolveAsync("al-unknown", "ana", "why", Now)).Outcome);
        Assert.Equal(ResolveOutcome.Withdrawn, (await store.ResolveAsync(withdrawn.Id, "ana", "why", Now)).Outcome);
        var already = await store.ResolveAsync(resolvedByOutlet.Id, "ana", "why", Now);
        Assert.Equal(ResolveOutcome.AlreadyResolved, already.Outcome);
        Assert.Null(already.Alert!.Resolution);
        Assert.Equal(2, (await store.ReadEventsAsync(null, 100)).Count);
    }

    [Fact]
    public async Task Commit_fails_when_an_analyst_resolved_a_changed_alert_since_the_snapshot()
    {
        var (ledger, store) = await CreateStoreAsync();
        var alert = Alert("t1", 3);
        Assert.NotNull(await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), [new(alert, AlertEventType.Raised)], Now));
        await store.AcknowledgeAsync(alert.Id, "ana", "", Now);
        var snapshot = await ledger.ReadAsync(Claim, Outlet);
        await store.ResolveAsync(alert.Id, "bob", "checked by phone", Now);

        var changed = snapshot.Alerts[alert.Id] with { Episode = alert.Episode with { EvidenceSentences = ["other"] } };
        Assert.Null(await ledger.CommitAsync(snapshot, [new(changed, null)], Now));

        var retried = await ledger.ReadAsync(Claim, Outlet);
        Assert.NotNull(await ledger.CommitAsync(retried, [new(retried.Alerts[alert.Id] with { Episode = changed.Episode }, null)], Now));
        var stored = (await store.GetAsync(alert.Id))!;
        Assert.Equal("bob", stored.Resolution?.Analyst);
        Assert.Equal(["other"], stored.Episode.EvidenceSentences);
        Assert.Equal(3, stored.Audit.Count);
    }

    [Fact]
    public async Task Concurrent_analysts_resolve_an_alert_once()
    {
        var (ledger, store) = await CreateStoreAsync();
        var alert = Alert("t1", 3);
        await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), [new(alert, AlertEventType.Raised)], Now);

        var acknowledging = Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => store.AcknowledgeAsync(alert.Id, $"ack-{i}", "", Now))));
        var results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i => Task.Run(() => store.ResolveAsync(alert.Id, $"analyst-{i}", "done", Now))));
        await acknowledging;

        Assert.Single(results, r => r.Outcome == ResolveOutcome.Resolved);
        var stored = (await store.GetAsync(alert.Id))!;
        Assert.Single(stored.Audit, a => a.Type == AlertEventType.Resolved);
        Assert.Single(stored.Audit, a => a.Type == AlertEventType.Acknowledged);
        Assert.Equal(3, (await store.ReadEventsAsync(null, 100)).Count);
    }

    [Fact]
    public async Task Listing_filters_by_raised_time_after_inclusive_before_exclusive_and_pages()
    {
        var (ledger, store) = await CreateStoreAsync();
        var alerts = Enumerable.Range(1, 6).Select(day => Alert($"t{day}", day)).ToList();
        await ledger.CommitAsync(await ledger.ReadAsync(Claim, Outlet), alerts.Select(a => new AlertChange(a, AlertEventType.Raised)).ToList(), Now);

        var window = await store.ListAsync(new AlertQuery { RaisedAfter = Day(2), RaisedBefore = Day(5) });
        var after = await store.ListAsync(new AlertQuery { RaisedAfter = Day(5.5) });
        var before = await store.ListAsync(new AlertQuery { RaisedBefore = Day(2) });

        Assert.Equal([alerts[3].Id, alerts[2].Id, alerts[1].Id], window.Alerts.Select(a => a.Id));
        Assert.Equal([alerts[5].Id], after.Alerts.Select(a => a.Id));
        Assert.Equal([alerts[0].Id], before.Alerts.Select(a => a.Id));
        var firstPage = await store.ListAsync(new AlertQuery { RaisedAfter = Day(2), RaisedBefore = Day(5), PageSize = 2 });
        var secondPage = await store.ListAsync(new AlertQuery { RaisedAfter = Day(2), RaisedBefore = Day(5), PageSize = 2, PageToken = firstPage.NextPageToken });
        Assert.Equal(window.Alerts.Select(a => a.Id), firstPage.Alerts.Concat(secondPage.Alerts).Select(a => a.Id));
        Assert.Null(secondPage.NextPageToken);
    }

    [Fact]
    public async Task The_timeline_counts_each_article_once_per_source_day_and_stance()
    {
        var (ledger, store) = await CreateStoreAsync();
        TimelineEntry[] entries =
        [
            new("a1", "tass", SourceKind.StateMedia, Day(1.1), Stance.Omits),
            new("a2", "tass", SourceKind.StateMedia, Day(1.9), Stance.Omits),
            new("a3", "tass", SourceKind.StateMedia, Day(1.5), Stance.Denies),
            new("a4", "tass", SourceKind.StateMedia, Day(2.2), Stance.Omits),
            new("b1", "isw", SourceKind.Analysis, Day(1.2), Stance.Acknowledges),
            new("b|2", "odd|source", SourceKind.Wire, Day(3), Stance.Discusses),
        ];
        foreach (var entry in entries)
        {
            Assert.True(await ledger.RecordTimelineAsync(Claim, entry));
        }

        Assert.False(await ledger.RecordTimelineAsync(Claim, entries[0] with { Stance = Stance.Acknowledges }));
        await ledger.RecordTimelineAsync("other-claim", entries[0]);
        await ledger.RecordConfirmationAsync(Claim, Ack("isw", "b1", 1.2));
        await ledger.RecordRulesAsync(Claim, ClaimRules.Default with { ConfirmationSources = 1 });

        var data = await store.ReadTimelineAsync(Claim);

        var day1 = DateOnly.FromDateTime(Day(1).UtcDateTime);
        Assert.Equal(
            new[]
            {
                new TimelineCount("isw", SourceKind.Analysis, day1, Stance.Acknowledges, 1),
                new TimelineCount("odd|source", SourceKind.Wire, day1.AddDays(2), Stance.Discusses, 1),
                new TimelineCount("tass", SourceKind.StateMedia, day1, Stance.Denies, 1),
                new TimelineCount("tass", SourceKind.StateMedia, day1, Stance.Omits, 2),
                new TimelineCount("tass", SourceKind.StateMedia, day1.AddDays(1), Stance.Omits, 1),
            },
            data.Counts.OrderBy(c => c.SourceId, StringComparer.Ordinal).ThenBy(c => c.Day).ThenBy(c => c.Stance));
        Assert.Equal([Ack("isw", "b1", 1.2)], data.Confirmations);
        Assert.Equal(1, data.Rules.ConfirmationSources);
        Assert.Empty((await store.ReadTimelineAsync("unknown-claim")).Counts);
    }

    protected static AlertRecord Alert(string openingArticle, double raisedDay, AlertKind kind = AlertKind.Denial, string claim = Claim, string source = Outlet) => new()
    {
        Episode = new AlertEpisode
        {
            Id = DivergenceRules.EpisodeId(claim, source, kind, openingArticle),
            ClaimId = claim,
            SourceId = source,
            Kind = kind,
            Severity = DivergenceRules.SeverityOf(kind),
            RaisedAt = Day(raisedDay),
            DivergingArticleIds = [openingArticle],
            EvidenceSentences = [$"sentence of {openingArticle}"],
            ConfirmingArticleIds = ["isw-1", "reuters-1"],
            ConfirmedAt = Day(0.5),
        },
    };

    /// <summary>Events compared by value, lists included.</summary>
    private sealed class EventComparer : IEqualityComparer<AlertEventRecord?>
    {
        public static readonly EventComparer Instance = new();

        public bool Equals(AlertEventRecord? x, AlertEventRecord? y) =>
            x is not null && y is not null && x.Cursor == y.Cursor && x.Type == y.Type && x.RecordedAt == y.RecordedAt &&
            x.Alert.Withdrawn == y.Alert.Withdrawn && x.Alert.Acknowledgement == y.Alert.Acknowledgement && x.Alert.Episode.SameAs(y.Alert.Episode);

        public int GetHashCode(AlertEventRecord? obj) => obj?.Cursor.GetHashCode(StringComparison.Ordinal) ?? 0;
    }
}

public sealed class InMemoryAlertStoreTests : AlertStoreContractTests
{
    protected override Task<InterfacePair> CreateStoreAsync()
    {
        var store = new InMemoryAlertStore();
        return Task.FromResult(new InterfacePair(store, store));
    }
}

[Collection(RedisCollection.Name)]
public sealed class RedisAlertStoreTests(RedisFixture redis) : AlertStoreContractTests, IAsyncLifetime
{
    private ConnectionMultiplexer? _connection;

    public async Task InitializeAsync() => _connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);

    public async Task DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }
    }

    protected override Task<InterfacePair> CreateStoreAsync()
    {
        var database = _connection!.GetDatabase().WithKeyPrefix(RedisFixture.UniquePrefix());
        var store = new RedisAlertStore(database, Options.Create(new AlertOptions { SubscribePollIntervalMilliseconds = 20 }));
        return Task.FromResult(new InterfacePair(store, store));
    }
}
