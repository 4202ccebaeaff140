using Proto = NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Alerts.Tests.Webhooks;

/// <summary>The delivery suite on real Redis, plus what only a shared store can show: replicas and restarts.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisWebhookDeliveryTests(RedisFixture redis) : WebhookDeliveryTests
{
    private readonly string _prefix = RedisFixture.UniquePrefix();

    protected override WebhookHost NewHost(IDictionary<string, string?>? settings = null) =>
        Track(WebhookHost.Create(redis.ConnectionString, _prefix, Clock, settings));

    /// <summary>A host with its own Redis connection on the same keys, as another replica or a restarted process.</summary>
    private WebhookHost Replica(TimeProvider clock, IDictionary<string, string?>? settings = null) =>
        Track(WebhookHost.Create(redis.ConnectionString, _prefix, clock, settings));

    [Fact]
    public async Task Two_dispatchers_on_the_same_redis_deliver_each_event_once()
    {
        var settings = new Dictionary<string, string?> { ["Webhooks:PollInterval"] = "00:00:00.020" };
        var first = Replica(TimeProvider.System, settings);
        var second = Replica(TimeProvider.System, settings);
        var webhook = await first.CreateWebhookAsync(Receiver.Url("/once"));
        var other = await second.CreateWebhookAsync(Receiver.Url("/once-too"));
        await first.Host.StartAsync();
        await second.Host.StartAsync();

        const int Alerts = 30;
        for (var i = 1; i <= Alerts; i++)
        {
            await (i % 2 == 0 ? first : second).RaiseAsync($"al-{i}", sourceId: $"outlet-{i % 5}");
            if (i % 10 == 0)
            {
                await Task.Delay(100);
            }
        }

        await Receiver.WaitForAsync("/once", Alerts);
        await Receiver.WaitForAsync("/once-too", Alerts);
        // Several more rounds of both dispatchers: nothing may be sent again.
        await Task.Delay(500);

        foreach (var (path, id) in new[] { ("/once", webhook.Id), ("/once-too", other.Id) })
        {
            var requests = Receiver.At(path);
            Assert.Equal(Alerts, requests.Count);
            Assert.Equal(Alerts, requests.Select(r => r.EventId).Distinct().Count());
            var log = (await first.ListDeliveriesAsync(id, pageSize: 1000)).Deliveries;
            Assert.Equal(Alerts, log.Count);
            Assert.All(log, d =>
            {
                Assert.Equal(Proto.DeliveryStatus.Delivered, d.Status);
                Assert.Equal(1, d.Attempts);
            });
        }
    }

    [Fact]
    public async Task A_restarted_dispatcher_resumes_from_the_stored_cursor_without_redelivering()
    {
        var before = Replica(Clock);
        var webhook = await before.CreateWebhookAsync(Receiver.Url("/resume"));
        for (var i = 1; i <= 3; i++)
        {
            await before.RaiseAsync($"al-{i}");
        }

        Assert.Equal(3, await before.Dispatcher.FanOutAsync());
        Assert.Equal(3, await DeliverAllDueAsync(before));
        // Fanned out but not yet attempted when the process goes away.
        await before.RaiseAsync("al-4");
        Assert.Equal(1, await before.Dispatcher.FanOutAsync());
        await before.DisposeAsync();

        var after = Replica(Clock);
        await after.RaiseAsync("al-5");
        Assert.Equal(1, await after.Dispatcher.FanOutAsync());
        Assert.Equal(2, await DeliverAllDueAsync(after));
        Assert.Equal(0, await after.Dispatcher.FanOutAsync());
        Assert.Equal(0, await after.Dispatcher.DeliverDueAsync());

        var requests = Receiver.At("/resume");
        Assert.Equal(5, requests.Count);
        var alertIds = requests.Select(r => Google.Protobuf.JsonParser.Default.Parse<Proto.AlertEvent>(r.Body).Alert.Id).Order();
        Assert.Equal(["al-1", "al-2", "al-3", "al-4", "al-5"], alertIds);
        Assert.Equal(5, (await after.ListDeliveriesAsync(webhook.Id)).Deliveries.Count(d => d.Status == Proto.DeliveryStatus.Delivered));
    }

    [Fact]
    public async Task A_delivery_leased_by_another_dispatcher_is_left_alone()
    {
        var one = Replica(Clock);
        var two = Replica(Clock);
        var webhook = await one.CreateWebhookAsync(Receiver.Url("/leased"));
        var raised = await one.RaiseAsync("al-leased");
        Assert.Equal(1, await one.Dispatcher.FanOutAsync());
        Assert.Equal(0, await two.Dispatcher.FanOutAsync());

        var deliveryId = Alerts.Webhooks.DeliveryRecord.IdFor(webhook.Id, raised.Cursor);
        var token = await one.Store.TryLeaseAsync(deliveryId, TimeSpan.FromMinutes(1));
        Assert.NotNull(token);
        Assert.Equal(0, await two.Dispatcher.DeliverDueAsync());
        Assert.Empty(Receiver.At("/leased"));

        await one.Store.ReleaseLeaseAsync(deliveryId, token);
        Assert.Equal(1, await two.Dispatcher.DeliverDueAsync());
        Assert.Equal(0, await one.Dispatcher.DeliverDueAsync());
        Assert.Single(Receiver.At("/leased"));
    }

    /// <summary>Rounds until nothing is due: each round attempts at most Webhooks:MaxConcurrentPerWebhook per webhook.</summary>
    private static async Task<int> DeliverAllDueAsync(WebhookHost host)
    {
        var attempts = 0;
        int round;
        while ((round = await host.Dispatcher.DeliverDueAsync()) > 0)
        {
            attempts += round;
        }

        return attempts;
    }
}
