using System.Diagnostics;
using System.Globalization;
using Xunit.Abstractions;
using Proto = NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Alerts.Tests.Webhooks;

/// <summary>
/// How fast dispatchers with the default options drain a backlog of alert events into loopback receivers, on real Redis.
/// Prints the figure; asserts only that every event reached every webhook once. Size it with NM_WEBHOOK_BENCH_EVENTS,
/// NM_WEBHOOK_BENCH_WEBHOOKS and NM_WEBHOOK_BENCH_REPLICAS (defaults 200, 2, 2).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class WebhookThroughputMeasurement(RedisFixture redis, ITestOutputHelper output) : IAsyncLifetime
{
    private readonly List<WebhookHost> _hosts = [];
    private WebhookReceiver _receiver = null!;

    public async Task InitializeAsync() => _receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await _receiver.DisposeAsync();
    }

    [Fact]
    public async Task Drains_a_backlog_to_every_webhook_once()
    {
        var events = Setting("NM_WEBHOOK_BENCH_EVENTS", 200);
        var webhookCount = Setting("NM_WEBHOOK_BENCH_WEBHOOKS", 2);
        var replicas = Setting("NM_WEBHOOK_BENCH_REPLICAS", 2);
        var prefix = RedisFixture.UniquePrefix();
        for (var i = 0; i < replicas; i++)
        {
            _hosts.Add(WebhookHost.Create(redis.ConnectionString, prefix, TimeProvider.System, new Dictionary<string, string?>
            {
                // The default, stated so that the figure names what it measured.
                ["Webhooks:PollInterval"] = "00:00:01",
            }));
        }

        var first = _hosts[0];
        var webhooks = new List<Proto.Webhook>();
        for (var w = 0; w < webhookCount; w++)
        {
            webhooks.Add(await first.CreateWebhookAsync(_receiver.Url($"/bench-{w}")));
        }

        for (var i = 0; i < events; i++)
        {
            await first.RaiseAsync($"al-{i}", sourceId: $"outlet-{i % 7}");
        }

        var clock = Stopwatch.StartNew();
        foreach (var host in _hosts)
        {
            await host.Host.StartAsync();
        }

        for (var w = 0; w < webhookCount; w++)
        {
            await _receiver.WaitForAsync($"/bench-{w}", events, TimeSpan.FromMinutes(10));
        }

        var elapsed = clock.Elapsed;
        var deliveries = events * webhookCount;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{deliveries} deliveries ({events} events x {webhookCount} webhooks) by {replicas} replicas in {elapsed.TotalSeconds:F2} s: {deliveries / elapsed.TotalSeconds:F0} deliveries/s"));

        await Task.Delay(TimeSpan.FromSeconds(1));
        for (var w = 0; w < webhookCount; w++)
        {
            var requests = _receiver.At($"/bench-{w}");
            Assert.Equal(events, requests.Count);
            Assert.Equal(events, requests.Select(r => r.EventId).Distinct().Count());
        }
    }

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
