using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Testing;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

/// <summary>Replicas evaluating the same outlet at once: optimistic concurrency lets exactly one commit each change.</summary>
[Collection(RedisCollection.Name)]
public sealed class ConcurrentEvaluationTests(RedisFixture redis)
{
    [Fact]
    public async Task Parallel_evaluations_on_redis_raise_each_alert_once()
    {
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var database = connection.GetDatabase().WithKeyPrefix(RedisFixture.UniquePrefix());
        var options = Options.Create(new AlertOptions { MaxCommitAttempts = 50 });
        var replicas = Enumerable.Range(0, 8).Select(_ => new RedisAlertStore(database, options)).ToList();
        foreach (var confirmation in ConfirmedOnDay2)
        {
            await replicas[0].RecordConfirmationAsync(Claim, confirmation);
        }

        var observations = new[] { Obs("t1", 3, Stance.Denies), Obs("t2", 4, Stance.Omits), Obs("t3", 5, Stance.Omits), Obs("t4", 6, Stance.Omits) };
        var evaluations = replicas.Select((replica, i) => Task.Run(async () =>
        {
            var evaluator = new AlertEvaluator(replica, options, TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
            await replica.RecordObservationAsync(Claim, Outlet, observations[i % observations.Length]);
            return await evaluator.EvaluateAsync(Claim, Outlet);
        }));
        var committed = (await Task.WhenAll(evaluations)).SelectMany(e => e).ToList();

        var events = await replicas[0].ReadEventsAsync(null, 100);
        Assert.Equal(committed.Select(e => e.Cursor).Order(StringComparer.Ordinal), events.Select(e => e.Cursor).Order(StringComparer.Ordinal));
        var raised = events.Where(e => e.Type == AlertEventType.Raised).Select(e => e.Alert.Id).ToList();
        Assert.Equal(raised.Distinct().Count(), raised.Count);
        var alerts = (await replicas[0].ListAsync(new AlertQuery())).Alerts;
        Assert.Equal([AlertKind.Denial, AlertKind.Omission], alerts.Select(a => a.Episode.Kind).Order());
        Assert.All(alerts, a => Assert.Contains(a.Id, raised));
        Assert.Empty(await new AlertEvaluator(replicas[0], options, TimeProvider.System, NullLogger<AlertEvaluator>.Instance).EvaluateAsync(Claim, Outlet));
    }
}
