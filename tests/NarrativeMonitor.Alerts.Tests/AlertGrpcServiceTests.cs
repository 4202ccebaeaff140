using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Testing;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using static NarrativeMonitor.Alerts.Tests.History;
using Proto = NarrativeMonitor.Protos.Alerts.V1;
using ProtoCommon = NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Alerts.Tests;

public sealed class AlertGrpcServiceTests
{
    private readonly InMemoryAlertStore _store = new();
    private readonly AlertGrpcService _service;
    private readonly AlertEvaluator _evaluator;

    public AlertGrpcServiceTests()
    {
        _service = new AlertGrpcService(_store, TimeProvider.System, NullLogger<AlertGrpcService>.Instance);
        _evaluator = new AlertEvaluator(_store, Options.Create(new AlertOptions()), TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(1001)]
    public async Task ListAlerts_rejects_a_page_size_out_of_range(int pageSize)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _service.ListAlerts(new ListAlertsRequest { PageSize = pageSize }, new TestServerCallContext()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("page_size:", error.Status.Detail);
    }

    [Theory]
    [InlineData("not base64 !")]
    [InlineData("bm8tc2VwYXJhdG9y")]
    public async Task ListAlerts_rejects_a_bad_page_token(string token)
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => _service.ListAlerts(new ListAlertsRequest { PageToken = token }, new TestServerCallContext()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("page_token:", error.Status.Detail);
    }

    [Fact]
    public async Task ListAlerts_rejects_an_unknown_kind_or_state()
    {
        var kind = await Assert.ThrowsAsync<RpcException>(() => _service.ListAlerts(new ListAlertsRequest { Kind = (ProtoCommon.AlertKind)42 }, new TestServerCallContext()));
        var state = await Assert.ThrowsAsync<RpcException>(() => _service.ListAlerts(new ListAlertsRequest { State = (Proto.AlertState)42 }, new TestServerCallContext()));

        Assert.StartsWith("kind:", kind.Status.Detail);
        Assert.StartsWith("state:", state.Status.Detail);
    }

    [Fact]
    public async Task ListAlerts_filters_and_pages_newest_raised_first()
    {
        await SeedAsync();

        var first = await _service.ListAlerts(new ListAlertsRequest { PageSize = 1 }, new TestServerCallContext());
        var second = await _service.ListAlerts(new ListAlertsRequest { PageSize = 1, PageToken = first.NextPageToken }, new TestServerCallContext());
        var omissions = await _service.ListAlerts(new ListAlertsRequest { Kind = ProtoCommon.AlertKind.Omission }, new TestServerCallContext());
        var resolved = await _service.ListAlerts(new ListAlertsRequest { State = Proto.AlertState.Resolved, SourceId = "tass" }, new TestServerCallContext());

        var omission = Assert.Single(first.Alerts);
        Assert.Equal(ProtoCommon.AlertKind.Omission, omission.Kind);
        Assert.Equal(Proto.AlertSeverity.Medium, omission.Severity);
        Assert.Equal(Proto.AlertState.Open, omission.State);
        Assert.Equal(Day(8), omission.RaisedAt.ToDateTimeOffset());
        Assert.Equal(["rt-1", "rt-2", "rt-3"], omission.Evidence.DivergingArticleIds);
        Assert.Equal(["sentence of rt-1", "sentence of rt-2", "sentence of rt-3"], omission.Evidence.EvidenceSentences);
        Assert.Equal(["isw-1", "reuters-1"], omission.Evidence.ConfirmingArticleIds);
        Assert.Equal(Day(2), omission.Evidence.ConfirmedAt.ToDateTimeOffset());
        Assert.NotEmpty(first.NextPageToken);
        var denial = Assert.Single(second.Alerts);
        Assert.Equal(ProtoCommon.AlertKind.Denial, denial.Kind);
        Assert.Equal(Proto.AlertSeverity.High, denial.Severity);
        Assert.Empty(second.NextPageToken);
        Assert.Equal(omission.Id, Assert.Single(omissions.Alerts).Id);
        var resolvedDenial = Assert.Single(resolved.Alerts);
        Assert.Equal(denial.Id, resolvedDenial.Id);
        Assert.Equal("tass-2", resolvedDenial.ResolvingArticleId);
        Assert.Equal(Day(5), resolvedDenial.ResolvedAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task GetAlert_requires_an_id_and_answers_not_found_for_an_unknown_one()
    {
        var missing = await Assert.ThrowsAsync<RpcException>(() => _service.GetAlert(new GetAlertRequest(), new TestServerCallContext()));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _service.GetAlert(new GetAlertRequest { Id = "al-0000000000000000" }, new TestServerCallContext()));

        Assert.Equal(StatusCode.InvalidArgument, missing.StatusCode);
        Assert.StartsWith("id:", missing.Status.Detail);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task GetAlert_returns_the_alert()
    {
        await SeedAsync();
        var id = DivergenceRules.EpisodeId(Claim, "tass", AlertKind.Denial, "tass-1");

        var alert = await _service.GetAlert(new GetAlertRequest { Id = id }, new TestServerCallContext());

        Assert.Equal(id, alert.Id);
        Assert.Equal(Claim, alert.ClaimId);
        Assert.Equal("tass", alert.SourceId);
        Assert.Equal(Proto.AlertState.Resolved, alert.State);
        Assert.Equal(Day(3), alert.RaisedAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task AcknowledgeAlert_validates_and_is_idempotent()
    {
        await SeedAsync();
        var id = DivergenceRules.EpisodeId(Claim, "rt", AlertKind.Omission, "rt-3");

        var noId = await Assert.ThrowsAsync<RpcException>(() => _service.AcknowledgeAlert(new AcknowledgeAlertRequest { Analyst = "ana" }, new TestServerCallContext()));
        var noAnalyst = await Assert.ThrowsAsync<RpcException>(() => _service.AcknowledgeAlert(new AcknowledgeAlertRequest { Id = id, Analyst = " " }, new TestServerCallContext()));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _service.AcknowledgeAlert(new AcknowledgeAlertRequest { Id = "al-x", Analyst = "ana" }, new TestServerCallContext()));
        var first = await _service.AcknowledgeAlert(new AcknowledgeAlertRequest { Id = id, Analyst = "ana", Note = "escalated" }, new TestServerCallContext());
        var again = await _service.AcknowledgeAlert(new AcknowledgeAlertRequest { Id = id, Analyst = "bob" }, new TestServerCallContext());

        Assert.StartsWith("id:", noId.Status.Detail);
        Assert.StartsWith("analyst:", noAnalyst.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, noAnalyst.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(Proto.AlertState.Acknowledged, first.State);
        Assert.Equal("ana", first.AcknowledgedBy);
        Assert.Equal("escalated", first.AcknowledgementNote);
        Assert.NotNull(first.AcknowledgedAt);
        Assert.Equal(first, again);
        Assert.Single(await _store.ReadEventsAsync(null, 100), e => e.Type == AlertEventType.Acknowledged && e.Alert.Id == id);
    }

    [Fact]
    public async Task AcknowledgeAlert_refuses_a_withdrawn_alert()
    {
        await _store.RecordObservationAsync(Claim, "tass", Obs("tass-1", 1, Stance.Denies));
        foreach (var confirmation in ConfirmedOnDay2)
        {
            await _store.RecordConfirmationAsync(Claim, confirmation);
        }

        await _evaluator.EvaluateAsync(Claim, "tass");
        await _store.RecordObservationAsync(Claim, "tass", Obs("tass-0", 1.5, Stance.Acknowledges));
        Assert.Equal(AlertEventType.Withdrawn, Assert.Single(await _evaluator.EvaluateAsync(Claim, "tass")).Type);

        var error = await Assert.ThrowsAsync<RpcException>(() => _service.AcknowledgeAlert(
            new AcknowledgeAlertRequest { Id = DivergenceRules.EpisodeId(Claim, "tass", AlertKind.Denial, "tass-1"), Analyst = "ana" }, new TestServerCallContext()));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
    }

    [Fact]
    public async Task SubscribeAlerts_rejects_a_bad_cursor()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() =>
            _service.SubscribeAlerts(new SubscribeAlertsRequest { Cursor = "yesterday" }, new TestServerStreamWriter<AlertEvent>(), new TestServerCallContext()));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("cursor:", error.Status.Detail);
    }

    [Fact]
    public async Task SubscribeAlerts_resumes_right_after_the_cursor_and_streams_new_events_until_cancelled()
    {
        await SeedAsync();
        var stored = await _store.ReadEventsAsync(null, 100);
        Assert.Equal(4, stored.Count);

        using var cancellation = new CancellationTokenSource();
        var writer = new TestServerStreamWriter<AlertEvent>();
        var call = _service.SubscribeAlerts(new SubscribeAlertsRequest { Cursor = stored[1].Cursor }, writer, new TestServerCallContext(cancellation.Token));

        Assert.Equal(stored[2].Cursor, (await writer.ReadNextAsync()).Cursor);
        Assert.Equal(stored[3].Cursor, (await writer.ReadNextAsync()).Cursor);
        await _service.AcknowledgeAlert(new AcknowledgeAlertRequest { Id = stored[2].Alert.Id, Analyst = "ana" }, new TestServerCallContext());
        var live = await writer.ReadNextAsync();
        Assert.Equal(Proto.AlertEventType.Acknowledged, live.Type);
        Assert.Equal("ana", live.Alert.AcknowledgedBy);

        await cancellation.CancelAsync();
        await call;
        Assert.False(writer.TryReadNext(out _));
    }

    [Fact]
    public async Task SubscribeAlerts_replays_everything_from_the_beginning_or_only_new_events_without_a_cursor()
    {
        await SeedAsync();
        using var cancellation = new CancellationTokenSource();
        var everything = new TestServerStreamWriter<AlertEvent>();
        var onlyNew = new TestServerStreamWriter<AlertEvent>();
        var replay = _service.SubscribeAlerts(new SubscribeAlertsRequest { FromBeginning = true }, everything, new TestServerCallContext(cancellation.Token));
        var tail = _service.SubscribeAlerts(new SubscribeAlertsRequest(), onlyNew, new TestServerCallContext(cancellation.Token));

        var replayed = new List<AlertEvent>();
        for (var i = 0; i < 4; i++)
        {
            replayed.Add(await everything.ReadNextAsync());
        }

        Assert.Equal(
            [Proto.AlertEventType.Raised, Proto.AlertEventType.Resolved, Proto.AlertEventType.Raised, Proto.AlertEventType.Acknowledged],
            replayed.Select(e => e.Type));
        Assert.Equal((await _store.ReadEventsAsync(null, 100)).Select(e => e.Cursor), replayed.Select(e => e.Cursor));
        await Task.Delay(100);
        await _store.RecordObservationAsync(Claim, "tass", Obs("tass-3", 9, Stance.Deflects));
        await _evaluator.EvaluateAsync(Claim, "tass");

        var next = await onlyNew.ReadNextAsync();
        Assert.Equal(Proto.AlertEventType.Raised, next.Type);
        Assert.Equal(ProtoCommon.AlertKind.Deflection, next.Alert.Kind);
        Assert.Equal(next, await everything.ReadNextAsync());
        await cancellation.CancelAsync();
        await Task.WhenAll(replay, tail);
        Assert.False(onlyNew.TryReadNext(out _));
    }

    [Fact]
    public async Task GetAlert_explains_the_alert_and_shows_the_automatic_resolution_and_its_audit_trail()
    {
        await SeedAsync();

        var denial = await _service.GetAlert(new GetAlertRequest { Id = DivergenceRules.EpisodeId(Claim, "tass", AlertKind.Denial, "tass-1") }, new TestServerCallContext());
        var omission = await _service.GetAlert(new GetAlertRequest { Id = DivergenceRules.EpisodeId(Claim, "rt", AlertKind.Omission, "rt-3") }, new TestServerCallContext());

        Assert.StartsWith("tass denied claim claim-kursk in an article published on 4 Dec 2024 (\"sentence of tass-1\")", denial.Explanation.Summary);
        Assert.Equal(["isw-1", "reuters-1"], denial.Explanation.ConfirmingArticles.Select(a => a.ArticleId));
        Assert.Equal(["isw", "reuters"], denial.Explanation.ConfirmingArticles.Select(a => a.SourceId));
        Assert.Equal(ProtoCommon.Stance.Denies, Assert.Single(denial.Explanation.DivergingArticles).Stance);
        Assert.Equal("", denial.ResolvedBy);
        Assert.Contains("tass-2", denial.ResolutionReason);
        Assert.Equal(
            [(Proto.AlertEventType.Raised, "system"), (Proto.AlertEventType.Resolved, "system"), (Proto.AlertEventType.Acknowledged, "ana")],
            denial.Audit.Select(a => (a.Type, a.Actor)));
        Assert.Equal(3, omission.Explanation.OnTopicArticleCount);
        Assert.Equal(Day(4), omission.Explanation.WindowStart.ToDateTimeOffset());
        Assert.Equal(Day(8), omission.Explanation.WindowEnd.ToDateTimeOffset());
        Assert.All(omission.Explanation.DivergingArticles, a => Assert.Equal("", a.EvidenceSentence));
        Assert.Equal("", omission.ResolutionReason);
    }

    [Fact]
    public async Task ResolveAlert_validates_resolves_once_and_streams_a_resolved_event_naming_the_analyst()
    {
        await SeedAsync();
        var id = DivergenceRules.EpisodeId(Claim, "rt", AlertKind.Omission, "rt-3");
        var cursor = await _store.LatestCursorAsync();

        var noAnalyst = await Assert.ThrowsAsync<RpcException>(() => _service.ResolveAlert(new ResolveAlertRequest { Id = id, Reason = "x" }, new TestServerCallContext()));
        var noReason = await Assert.ThrowsAsync<RpcException>(() => _service.ResolveAlert(new ResolveAlertRequest { Id = id, Analyst = "ana", Reason = "  " }, new TestServerCallContext()));
        var longReason = await Assert.ThrowsAsync<RpcException>(() => _service.ResolveAlert(
            new ResolveAlertRequest { Id = id, Analyst = "ana", Reason = new string('r', AlertGrpcService.MaxNoteLength + 1) }, new TestServerCallContext()));
        var unknown = await Assert.ThrowsAsync<RpcException>(() => _service.ResolveAlert(new ResolveAlertRequest { Id = "al-x", Analyst = "ana", Reason = "x" }, new TestServerCallContext()));
        var resolved = await _service.ResolveAlert(new ResolveAlertRequest { Id = id, Analyst = " bob ", Reason = "RT covered it on air" }, new TestServerCallContext());
        var again = await _service.ResolveAlert(new ResolveAlertRequest { Id = id, Analyst = "carol", Reason = "again" }, new TestServerCallContext());

        Assert.StartsWith("analyst:", noAnalyst.Status.Detail);
        Assert.StartsWith("reason:", noReason.Status.Detail);
        Assert.StartsWith("reason:", longReason.Status.Detail);
        Assert.Equal(StatusCode.InvalidArgument, noReason.StatusCode);
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(Proto.AlertState.Resolved, resolved.State);
        Assert.Equal("bob", resolved.ResolvedBy);
        Assert.Equal("RT covered it on air", resolved.ResolutionReason);
        Assert.NotNull(resolved.ResolvedAt);
        Assert.Equal("", resolved.ResolvingArticleId);
        var entry = resolved.Audit[^1];
        Assert.Equal((Proto.AlertEventType.Resolved, "bob", "RT covered it on air"), (entry.Type, entry.Actor, entry.Note));
        Assert.Equal(resolved, again);
        var appended = Assert.Single(await _store.ReadEventsAsync(cursor, 100));
        Assert.Equal(AlertEventType.Resolved, appended.Type);
        Assert.Equal("bob", AlertMapping.ToProto(appended).Alert.ResolvedBy);
    }

    [Fact]
    public async Task An_analysts_resolution_stands_when_the_outlet_acknowledges_later()
    {
        await SeedAsync();
        var id = DivergenceRules.EpisodeId(Claim, "rt", AlertKind.Omission, "rt-3");
        await _service.ResolveAlert(new ResolveAlertRequest { Id = id, Analyst = "bob", Reason = "known" }, new TestServerCallContext());
        var cursor = await _store.LatestCursorAsync();

        await _store.RecordObservationAsync(Claim, "rt", Obs("rt-4", 10, Stance.Acknowledges));
        Assert.Empty(await _evaluator.EvaluateAsync(Claim, "rt"));

        var alert = await _service.GetAlert(new GetAlertRequest { Id = id }, new TestServerCallContext());
        Assert.Equal(Proto.AlertState.Resolved, alert.State);
        Assert.Equal("bob", alert.ResolvedBy);
        Assert.Equal("rt-4", alert.ResolvingArticleId);
        Assert.Single(alert.Audit, a => a.Type == Proto.AlertEventType.Resolved);
        Assert.Empty(await _store.ReadEventsAsync(cursor, 100));
    }

    [Fact]
    public async Task ResolveAlert_refuses_a_withdrawn_alert()
    {
        await _store.RecordObservationAsync(Claim, "tass", Obs("tass-1", 1, Stance.Denies));
        foreach (var confirmation in ConfirmedOnDay2)
        {
            await _store.RecordConfirmationAsync(Claim, confirmation);
        }

        await _evaluator.EvaluateAsync(Claim, "tass");
        await _store.RecordObservationAsync(Claim, "tass", Obs("tass-0", 1.5, Stance.Acknowledges));
        await _evaluator.EvaluateAsync(Claim, "tass");
        var id = DivergenceRules.EpisodeId(Claim, "tass", AlertKind.Denial, "tass-1");

        var error = await Assert.ThrowsAsync<RpcException>(() => _service.ResolveAlert(new ResolveAlertRequest { Id = id, Analyst = "ana", Reason = "x" }, new TestServerCallContext()));

        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        var withdrawn = await _service.GetAlert(new GetAlertRequest { Id = id }, new TestServerCallContext());
        Assert.Equal([Proto.AlertEventType.Raised, Proto.AlertEventType.Withdrawn], withdrawn.Audit.Select(a => a.Type));
    }

    [Fact]
    public async Task ListAlerts_filters_by_raised_time_and_rejects_an_empty_range()
    {
        await SeedAsync();

        var early = await _service.ListAlerts(new ListAlertsRequest { RaisedBefore = Timestamp.FromDateTimeOffset(Day(8)) }, new TestServerCallContext());
        var late = await _service.ListAlerts(new ListAlertsRequest { RaisedAfter = Timestamp.FromDateTimeOffset(Day(8)) }, new TestServerCallContext());
        var none = await _service.ListAlerts(new ListAlertsRequest
        {
            RaisedAfter = Timestamp.FromDateTimeOffset(Day(3.5)),
            RaisedBefore = Timestamp.FromDateTimeOffset(Day(8)),
        }, new TestServerCallContext());
        var empty = await Assert.ThrowsAsync<RpcException>(() => _service.ListAlerts(new ListAlertsRequest
        {
            RaisedAfter = Timestamp.FromDateTimeOffset(Day(8)),
            RaisedBefore = Timestamp.FromDateTimeOffset(Day(8)),
        }, new TestServerCallContext()));
        var invalid = await Assert.ThrowsAsync<RpcException>(() => _service.ListAlerts(
            new ListAlertsRequest { RaisedAfter = new Timestamp { Seconds = -99_999_999_999 } }, new TestServerCallContext()));

        Assert.Equal([ProtoCommon.AlertKind.Denial], early.Alerts.Select(a => a.Kind));
        Assert.Equal([ProtoCommon.AlertKind.Omission], late.Alerts.Select(a => a.Kind));
        Assert.Empty(none.Alerts);
        Assert.StartsWith("raised_before:", empty.Status.Detail);
        Assert.StartsWith("raised_after:", invalid.Status.Detail);
    }

    [Fact]
    public async Task SubscribeAlerts_sends_only_the_events_of_the_claim_outlet_and_kind_asked_for()
    {
        await SeedAsync();
        await _store.RecordConfirmationAsync("other-claim", Ack("isw", "isw-9", 1));
        await _store.RecordConfirmationAsync("other-claim", Ack("ap", "ap-9", 1));
        await _store.RecordObservationAsync("other-claim", "rt", Obs("rt-9", 2, Stance.Denies));
        await _evaluator.EvaluateAsync("other-claim", "rt");
        await _store.RecordObservationAsync(Claim, "rt", Obs("rt-5", 9, Stance.Denies));
        await _evaluator.EvaluateAsync(Claim, "rt");
        var all = await _store.ReadEventsAsync(null, 100);

        using var cancellation = new CancellationTokenSource();
        var rtDenials = new TestServerStreamWriter<AlertEvent>();
        var call = _service.SubscribeAlerts(new SubscribeAlertsRequest
        {
            FromBeginning = true, ClaimId = Claim, SourceId = "rt", Kind = ProtoCommon.AlertKind.Denial,
        }, rtDenials, new TestServerCallContext(cancellation.Token));
        var expected = all.Where(e => e.Alert.Episode is { ClaimId: Claim, SourceId: "rt", Kind: AlertKind.Denial }).ToList();
        Assert.Single(expected);
        Assert.Equal(expected[0].Cursor, (await rtDenials.ReadNextAsync()).Cursor);

        await _service.AcknowledgeAlert(new AcknowledgeAlertRequest { Id = DivergenceRules.EpisodeId(Claim, "rt", AlertKind.Omission, "rt-3"), Analyst = "ana" }, new TestServerCallContext());
        await _service.AcknowledgeAlert(new AcknowledgeAlertRequest { Id = expected[0].Alert.Id, Analyst = "ana" }, new TestServerCallContext());
        var live = await rtDenials.ReadNextAsync();
        Assert.Equal((Proto.AlertEventType.Acknowledged, expected[0].Alert.Id), (live.Type, live.Alert.Id));
        await cancellation.CancelAsync();
        await call;
        Assert.False(rtDenials.TryReadNext(out _));

        var badKind = await Assert.ThrowsAsync<RpcException>(() => _service.SubscribeAlerts(
            new SubscribeAlertsRequest { Kind = (ProtoCommon.AlertKind)42 }, new TestServerStreamWriter<AlertEvent>(), new TestServerCallContext()));
        Assert.StartsWith("kind:", badKind.Status.Detail);
    }

    [Fact]
    public async Task GetClaimTimeline_counts_stances_per_outlet_and_day_confirming_sources_first()
    {
        await SeedAsync();
        TimelineEntry[] entries =
        [
            new("tass-1", "tass", SourceKind.StateMedia, Day(3), Stance.Denies),
            new("tass-2", "tass", SourceKind.StateMedia, Day(5), Stance.Acknowledges),
            new("rt-1", "rt", SourceKind.StateMedia, Day(4), Stance.Omits),
            new("rt-2", "rt", SourceKind.StateMedia, Day(4.5), Stance.Omits),
            new("rt-3", "rt", SourceKind.StateMedia, Day(8), Stance.Omits),
            new("isw-1", "isw", SourceKind.Analysis, Day(1), Stance.Acknowledges),
            new("reuters-1", "reuters", SourceKind.Wire, Day(2), Stance.Acknowledges),
            new("reuters-2", "reuters", SourceKind.Wire, Day(2.2), Stance.Discusses),
        ];
        foreach (var entry in entries)
        {
            await _store.RecordTimelineAsync(Claim, entry);
        }

        var timeline = await _service.GetClaimTimeline(new GetClaimTimelineRequest { ClaimId = Claim }, new TestServerCallContext());
        var window = await _service.GetClaimTimeline(new GetClaimTimelineRequest
        {
            ClaimId = Claim, From = Timestamp.FromDateTimeOffset(Day(4)), To = Timestamp.FromDateTimeOffset(Day(8)), SourceIds = { "rt", "isw" },
        }, new TestServerCallContext());

        Assert.Equal(Day(2), timeline.ConfirmedAt.ToDateTimeOffset());
        Assert.Equal(["isw", "reuters", "rt", "tass"], timeline.Outlets.Select(o => o.SourceId));
        Assert.Equal(ProtoCommon.SourceKind.Wire, timeline.Outlets[1].SourceKind);
        var reuters = Assert.Single(timeline.Outlets[1].Days);
        Assert.Equal(("2024-12-03", 1, 1), (reuters.Date, reuters.Acknowledges, reuters.Discusses));
        Assert.Equal([("2024-12-05", 2), ("2024-12-09", 1)], timeline.Outlets[2].Days.Select(d => (d.Date, d.Omits)));
        Assert.Equal([("2024-12-04", 1, 0), ("2024-12-06", 0, 1)], timeline.Outlets[3].Days.Select(d => (d.Date, d.Denies, d.Acknowledges)));
        Assert.Equal(entries.Length, timeline.Outlets.SelectMany(o => o.Days).Sum(d => d.Acknowledges + d.Denies + d.Deflects + d.Discusses + d.Omits));
        var rt = Assert.Single(window.Outlets);
        Assert.Equal("rt", rt.SourceId);
        Assert.Equal(["2024-12-05"], rt.Days.Select(d => d.Date));
    }

    [Fact]
    public async Task GetClaimTimeline_validates_and_answers_an_empty_timeline_for_a_claim_without_articles()
    {
        var noClaim = await Assert.ThrowsAsync<RpcException>(() => _service.GetClaimTimeline(new GetClaimTimelineRequest(), new TestServerCallContext()));
        var backwards = await Assert.ThrowsAsync<RpcException>(() => _service.GetClaimTimeline(new GetClaimTimelineRequest
        {
            ClaimId = Claim, From = Timestamp.FromDateTimeOffset(Day(4)), To = Timestamp.FromDateTimeOffset(Day(3)),
        }, new TestServerCallContext()));
        var emptySource = await Assert.ThrowsAsync<RpcException>(() => _service.GetClaimTimeline(
            new GetClaimTimelineRequest { ClaimId = Claim, SourceIds = { "tass", "" } }, new TestServerCallContext()));
        var empty = await _service.GetClaimTimeline(new GetClaimTimelineRequest { ClaimId = "unknown" }, new TestServerCallContext());

        Assert.StartsWith("claim_id:", noClaim.Status.Detail);
        Assert.StartsWith("to:", backwards.Status.Detail);
        Assert.StartsWith("source_ids[1]:", emptySource.Status.Detail);
        Assert.Empty(empty.Outlets);
        Assert.Null(empty.ConfirmedAt);
    }

    /// <summary>
    /// Confirmed on day 2; tass denies on day 3 and acknowledges on day 5; rt omits on days 4, 6 and 8.
    /// Events: denial raised, denial resolved, omission raised, denial acknowledged.
    /// </summary>
    private async Task SeedAsync()
    {
        foreach (var confirmation in ConfirmedOnDay2)
        {
            await _store.RecordConfirmationAsync(Claim, confirmation);
        }

        await _store.RecordObservationAsync(Claim, "tass", Obs("tass-1", 3, Stance.Denies));
        await _evaluator.EvaluateAsync(Claim, "tass");
        await _store.RecordObservationAsync(Claim, "tass", Obs("tass-2", 5, Stance.Acknowledges));
        await _evaluator.EvaluateAsync(Claim, "tass");
        foreach (var (article, day) in new[] { ("rt-1", 4.0), ("rt-2", 6.0), ("rt-3", 8.0) })
        {
            await _store.RecordObservationAsync(Claim, "rt", Obs(article, day, Stance.Omits));
        }

        await _evaluator.EvaluateAsync(Claim, "rt");
        await _store.AcknowledgeAsync(DivergenceRules.EpisodeId(Claim, "tass", AlertKind.Denial, "tass-1"), "ana", "", Start);
    }
}

/// <summary>Two replicas sharing one Redis: a subscriber on one sees what the other commits.</summary>
[Collection(RedisCollection.Name)]
public sealed class AlertGrpcServiceRedisTests(RedisFixture redis)
{
    [Fact]
    public async Task A_subscriber_on_one_replica_sees_events_committed_by_another()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var prefix = RedisFixture.UniquePrefix();
        var options = Options.Create(new AlertOptions { SubscribePollIntervalMilliseconds = 20 });
        var writerReplica = new RedisAlertStore(connection.GetDatabase().WithKeyPrefix(prefix), options);
        var readerReplica = new RedisAlertStore(connection.GetDatabase().WithKeyPrefix(prefix), options);
        var evaluator = new AlertEvaluator(writerReplica, options, TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
        var service = new AlertGrpcService(readerReplica, TimeProvider.System, NullLogger<AlertGrpcService>.Instance);
        foreach (var confirmation in ConfirmedOnDay2)
        {
            await writerReplica.RecordConfirmationAsync(Claim, confirmation);
        }

        await writerReplica.RecordObservationAsync(Claim, "tass", Obs("tass-1", 3, Stance.Denies));
        var first = Assert.Single(await evaluator.EvaluateAsync(Claim, "tass"));

        using var cancellation = new CancellationTokenSource();
        var stream = new TestServerStreamWriter<AlertEvent>();
        var call = service.SubscribeAlerts(new SubscribeAlertsRequest { Cursor = first.Cursor }, stream, new TestServerCallContext(cancellation.Token));
        await writerReplica.RecordObservationAsync(Claim, "tass", Obs("tass-2", 4, Stance.Acknowledges));
        var resolved = Assert.Single(await evaluator.EvaluateAsync(Claim, "tass"));

        var received = await stream.ReadNextAsync();
        Assert.Equal(resolved.Cursor, received.Cursor);
        Assert.Equal(Proto.AlertEventType.Resolved, received.Type);
        Assert.Equal("tass-2", received.Alert.ResolvingArticleId);
        await cancellation.CancelAsync();
        await call;
        Assert.False(stream.TryReadNext(out _));
    }

    [Fact]
    public async Task An_analysts_resolution_on_one_replica_reaches_a_filtered_subscriber_on_another_with_its_audit_trail()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var prefix = RedisFixture.UniquePrefix();
        var options = Options.Create(new AlertOptions { SubscribePollIntervalMilliseconds = 20 });
        var first = new RedisAlertStore(connection.GetDatabase().WithKeyPrefix(prefix), options);
        var second = new RedisAlertStore(connection.GetDatabase().WithKeyPrefix(prefix), options);
        var evaluator = new AlertEvaluator(first, options, TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
        var writer = new AlertGrpcService(first, TimeProvider.System, NullLogger<AlertGrpcService>.Instance);
        var reader = new AlertGrpcService(second, TimeProvider.System, NullLogger<AlertGrpcService>.Instance);
        foreach (var confirmation in ConfirmedOnDay2)
        {
            await first.RecordConfirmationAsync(Claim, confirmation);
        }

        await first.RecordObservationAsync(Claim, "tass", Obs("tass-1", 3, Stance.Denies));
        await first.RecordObservationAsync(Claim, "rt", Obs("rt-1", 3, Stance.Deflects));
        var denial = Assert.Single(await evaluator.EvaluateAsync(Claim, "tass"));
        await evaluator.EvaluateAsync(Claim, "rt");

        using var cancellation = new CancellationTokenSource();
        var stream = new TestServerStreamWriter<AlertEvent>();
        var call = reader.SubscribeAlerts(new SubscribeAlertsRequest { FromBeginning = true, SourceId = "tass" }, stream, new TestServerCallContext(cancellation.Token));
        Assert.Equal(denial.Cursor, (await stream.ReadNextAsync()).Cursor);
        await writer.AcknowledgeAlert(new AcknowledgeAlertRequest { Id = denial.Alert.Id, Analyst = "ana", Note = "seen" }, new TestServerCallContext());
        await writer.ResolveAlert(new ResolveAlertRequest { Id = denial.Alert.Id, Analyst = "bob", Reason = "retracted on air" }, new TestServerCallContext());

        Assert.Equal(Proto.AlertEventType.Acknowledged, (await stream.ReadNextAsync()).Type);
        var resolved = await stream.ReadNextAsync();
        Assert.Equal((Proto.AlertEventType.Resolved, "bob", Proto.AlertState.Resolved), (resolved.Type, resolved.Alert.ResolvedBy, resolved.Alert.State));
        Assert.Equal([("system", ""), ("ana", "seen"), ("bob", "retracted on air")],
            resolved.Alert.Audit.Select(a => (a.Actor, a.Actor == "system" ? "" : a.Note)));
        Assert.Equal(resolved.Alert, await reader.GetAlert(new GetAlertRequest { Id = denial.Alert.Id }, new TestServerCallContext()));
        await cancellation.CancelAsync();
        await call;
        Assert.False(stream.TryReadNext(out _));
    }
}
