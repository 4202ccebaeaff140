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
}
