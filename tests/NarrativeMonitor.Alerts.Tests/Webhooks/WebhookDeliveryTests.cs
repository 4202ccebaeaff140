using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;
using NarrativeMonitor.Alerts.Webhooks;
using NarrativeMonitor.Contracts;
using Proto = NarrativeMonitor.Protos.Alerts.V1;
using ProtoCommon = NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Alerts.Tests.Webhooks;

/// <summary>
/// Delivery against a real HTTP receiver on loopback, driven step by step (fan-out, attempts) on a manual clock, so
/// backoff takes no real time. Run on the in-memory store and on real Redis.
/// </summary>
public abstract class WebhookDeliveryTests : IAsyncLifetime
{
    private readonly List<WebhookHost> _hosts = [];

    protected ManualTimeProvider Clock { get; } = new(WebhookHost.Now);

    protected WebhookReceiver Receiver { get; private set; } = null!;

    /// <summary>A host on a fresh store (for Redis, under a key prefix no other test uses).</summary>
    protected abstract WebhookHost NewHost(IDictionary<string, string?>? settings = null);

    protected WebhookHost Track(WebhookHost host)
    {
        _hosts.Add(host);
        return host;
    }

    public async Task InitializeAsync() => Receiver = await WebhookReceiver.StartAsync();

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        await Receiver.DisposeAsync();
    }

    [Fact]
    public async Task Delivers_an_alert_raised_after_registration_as_signed_protobuf_json()
    {
        var host = NewHost();
        await host.RaiseAsync("al-before");
        var webhook = await host.CreateWebhookAsync(Receiver.Url("/hook"));
        var raised = await host.RaiseAsync("al-after");

        Assert.Equal(1, await host.Dispatcher.FanOutAsync());
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());

        var request = Assert.Single(Receiver.At("/hook"));
        Assert.StartsWith("application/json", request.ContentType);
        var expectedSignature = "sha256=" + Convert.ToHexStringLower(
            HMACSHA256.HashData(Encoding.UTF8.GetBytes(WebhookHost.Secret), Encoding.UTF8.GetBytes(request.Body)));
        Assert.Equal(expectedSignature, request.Signature);
        Assert.Equal(raised.Cursor, request.EventId);
        Assert.Equal(WebhookHost.Now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), request.Timestamp);

        var received = JsonParser.Default.Parse<Proto.AlertEvent>(request.Body);
        Assert.Equal(AlertMapping.ToProto(raised), received);
        Assert.Equal("al-after", received.Alert.Id);
        Assert.Equal(Proto.AlertEventType.Raised, received.Type);

        var delivery = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(request.DeliveryId, delivery.Id);
        Assert.Equal(Proto.DeliveryStatus.Delivered, delivery.Status);
        Assert.Equal(1, delivery.Attempts);
        Assert.Equal(200, delivery.LastHttpStatus);
        Assert.Equal("", delivery.LastError);
        Assert.Equal(raised.Cursor, delivery.EventCursor);
        Assert.Equal("al-after", delivery.AlertId);
        Assert.Equal(Proto.AlertEventType.Raised, delivery.EventType);
        Assert.Null(delivery.NextAttemptAt);

        // Nothing is sent twice: a further round finds nothing new and nothing due.
        Assert.Equal(0, await host.Dispatcher.FanOutAsync());
        Assert.Equal(0, await host.Dispatcher.DeliverDueAsync());
        Assert.Single(Receiver.At("/hook"));
    }

    [Fact]
    public async Task Events_from_before_any_webhook_existed_are_skipped_not_delivered_later()
    {
        var host = NewHost();
        Assert.Equal(0, await host.Dispatcher.FanOutAsync());
        await host.RaiseAsync("al-unwatched");
        Assert.Equal(0, await host.Dispatcher.FanOutAsync());

        var webhook = await host.CreateWebhookAsync(Receiver.Url("/late"));
        await host.RaiseAsync("al-watched");
        Assert.Equal(1, await host.Dispatcher.FanOutAsync());
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());

        Assert.Equal(["al-watched"], Receiver.At("/late").Select(r => JsonParser.Default.Parse<Proto.AlertEvent>(r.Body).Alert.Id));
        Assert.Equal("al-watched", (await host.DeliveryAsync(webhook.Id)).AlertId);
    }

    [Fact]
    public async Task Slack_format_posts_a_text_line_and_blocks()
    {
        var host = NewHost();
        await host.CreateWebhookAsync(Receiver.Url("/slack"), Proto.WebhookFormat.Slack);
        await host.RaiseAsync("al-slack", claimId: "dprk-troops-kursk", sourceId: "rt", kind: AlertKind.Denial);

        await host.Dispatcher.FanOutAsync();
        await host.Dispatcher.DeliverDueAsync();

        var request = Assert.Single(Receiver.At("/slack"));
        Assert.Equal(WebhookSender.Sign(WebhookHost.Secret, request.Body), request.Signature);
        using var document = JsonDocument.Parse(request.Body);
        var root = document.RootElement;
        Assert.Equal(["blocks", "text"], root.EnumerateObject().Select(p => p.Name).Order());
        var text = root.GetProperty("text").GetString()!;
        Assert.Contains("Denial raised", text);
        Assert.Contains("outlet rt", text);
        Assert.Contains("claim dprk-troops-kursk", text);
        Assert.Contains("severity high", text);

        var blocks = root.GetProperty("blocks").EnumerateArray().ToList();
        Assert.True(blocks.Count >= 2);
        Assert.All(blocks, b => Assert.Contains(b.GetProperty("type").GetString(), new[] { "section", "context" }));
        var first = blocks[0];
        Assert.Equal("section", first.GetProperty("type").GetString());
        Assert.Equal("mrkdwn", first.GetProperty("text").GetProperty("type").GetString());
        Assert.Contains("`rt`", first.GetProperty("text").GetProperty("text").GetString());
        var context = blocks[^1];
        Assert.Equal("context", context.GetProperty("type").GetString());
        Assert.Contains("al-slack", context.GetProperty("elements")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task Slack_messages_link_to_the_alert_with_the_configured_template()
    {
        var host = NewHost(new Dictionary<string, string?> { ["Webhooks:AlertLinkTemplate"] = "https://monitor.example.org/alerts/{alert_id}" });
        await host.CreateWebhookAsync(Receiver.Url("/slack"), Proto.WebhookFormat.Slack);
        await host.RaiseAsync("al-link", kind: AlertKind.Omission);

        await host.Dispatcher.FanOutAsync();
        await host.Dispatcher.DeliverDueAsync();

        using var document = JsonDocument.Parse(Assert.Single(Receiver.At("/slack")).Body);
        Assert.EndsWith("https://monitor.example.org/alerts/al-link", document.RootElement.GetProperty("text").GetString());
        Assert.Contains("<https://monitor.example.org/alerts/al-link|open>",
            document.RootElement.GetProperty("blocks")[0].GetProperty("text").GetProperty("text").GetString());
    }

    [Fact]
    public async Task Filters_select_by_claim_outlet_kind_event_type_and_minimum_severity()
    {
        var host = NewHost();
        var byClaim = await host.CreateWebhookAsync(Receiver.Url("/claim"), filter: new Proto.WebhookFilter { ClaimIds = { "claim-a" } });
        var byOutlet = await host.CreateWebhookAsync(Receiver.Url("/outlet"), filter: new Proto.WebhookFilter { SourceIds = { "tass" } });
        var byKind = await host.CreateWebhookAsync(Receiver.Url("/kind"), filter: new Proto.WebhookFilter { Kinds = { ProtoCommon.AlertKind.Omission } });
        var byType = await host.CreateWebhookAsync(Receiver.Url("/type"), filter: new Proto.WebhookFilter { EventTypes = { Proto.AlertEventType.Acknowledged } });
        var bySeverity = await host.CreateWebhookAsync(Receiver.Url("/severity"), filter: new Proto.WebhookFilter { MinSeverity = Proto.AlertSeverity.High });
        var combined = await host.CreateWebhookAsync(Receiver.Url("/combined"), filter: new Proto.WebhookFilter
        {
            ClaimIds = { "claim-a", "claim-b" },
            Kinds = { ProtoCommon.AlertKind.Denial, ProtoCommon.AlertKind.Deflection },
            EventTypes = { Proto.AlertEventType.Raised },
        });
        var everything = await host.CreateWebhookAsync(Receiver.Url("/all"));

        await host.RaiseAsync("denial-a-rt", claimId: "claim-a", sourceId: "rt", kind: AlertKind.Denial);
        await host.RaiseAsync("omission-b-tass", claimId: "claim-b", sourceId: "tass", kind: AlertKind.Omission);
        await host.RaiseAsync("deflection-c-tass", claimId: "claim-c", sourceId: "tass", kind: AlertKind.Deflection);
        Assert.Equal(AcknowledgeOutcome.Acknowledged, (await host.Alerts.AcknowledgeAsync("denial-a-rt", "analyst", "seen", Clock.GetUtcNow())).Outcome);

        await host.Dispatcher.FanOutAsync();
        while (await host.Dispatcher.DeliverDueAsync() > 0)
        {
        }

        Assert.Equal(Sorted("denial-a-rt:raised", "denial-a-rt:acknowledged"), Received("/claim"));
        Assert.Equal(Sorted("omission-b-tass:raised", "deflection-c-tass:raised"), Received("/outlet"));
        Assert.Equal(Sorted("omission-b-tass:raised"), Received("/kind"));
        Assert.Equal(Sorted("denial-a-rt:acknowledged"), Received("/type"));
        Assert.Equal(Sorted("denial-a-rt:raised", "denial-a-rt:acknowledged"), Received("/severity"));
        Assert.Equal(Sorted("denial-a-rt:raised"), Received("/combined"));
        Assert.Equal(4, Received("/all").Count);
        foreach (var webhook in new[] { byClaim, byOutlet, byKind, byType, bySeverity, combined, everything })
        {
            var log = await host.ListDeliveriesAsync(webhook.Id);
            Assert.All(log.Deliveries, d => Assert.Equal(Proto.DeliveryStatus.Delivered, d.Status));
        }

        // Each webhook's log holds exactly what it received.
        Assert.Equal(2, (await host.ListDeliveriesAsync(byClaim.Id)).Deliveries.Count);
        Assert.Single((await host.ListDeliveriesAsync(byType.Id)).Deliveries);
    }

    [Fact]
    public async Task Retries_after_server_errors_with_backoff_until_the_receiver_accepts()
    {
        var host = NewHost(new Dictionary<string, string?>
        {
            ["Webhooks:BackoffBase"] = "00:00:10",
            ["Webhooks:BackoffMax"] = "01:00:00",
            ["Webhooks:MaxAttempts"] = "5",
        });
        Receiver.Map("/flaky", (context, call) =>
        {
            context.Response.StatusCode = call <= 2 ? StatusCodes.Status500InternalServerError : StatusCodes.Status200OK;
            return Task.CompletedTask;
        });
        var webhook = await host.CreateWebhookAsync(Receiver.Url("/flaky"));
        await host.RaiseAsync("al-flaky");
        await host.Dispatcher.FanOutAsync();

        var firstAttemptAt = Clock.GetUtcNow();
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
        var afterFirst = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(Proto.DeliveryStatus.Pending, afterFirst.Status);
        Assert.Equal(1, afterFirst.Attempts);
        Assert.Equal(500, afterFirst.LastHttpStatus);
        Assert.Equal("HTTP 500 Internal Server Error", afterFirst.LastError);
        Assert.Equal(firstAttemptAt, afterFirst.LastAttemptAt.ToDateTimeOffset());
        var firstDelay = afterFirst.NextAttemptAt.ToDateTimeOffset() - firstAttemptAt;
        Assert.InRange(firstDelay, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(10));

        // Not due yet: nothing is sent.
        Assert.Equal(0, await host.Dispatcher.DeliverDueAsync());
        Clock.Now = afterFirst.NextAttemptAt.ToDateTimeOffset();
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
        var afterSecond = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(Proto.DeliveryStatus.Pending, afterSecond.Status);
        Assert.Equal(2, afterSecond.Attempts);
        var secondDelay = afterSecond.NextAttemptAt.ToDateTimeOffset() - Clock.GetUtcNow();
        Assert.InRange(secondDelay, TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20));

        Clock.Now = afterSecond.NextAttemptAt.ToDateTimeOffset();
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
        var delivered = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(Proto.DeliveryStatus.Delivered, delivered.Status);
        Assert.Equal(3, delivered.Attempts);
        Assert.Equal(200, delivered.LastHttpStatus);
        Assert.Equal("", delivered.LastError);
        Assert.Null(delivered.NextAttemptAt);

        // Every attempt sent the same event, body and signature; only the timestamp moved on.
        var requests = Receiver.At("/flaky");
        Assert.Equal(3, requests.Count);
        Assert.Single(requests.Select(r => r.EventId).Distinct());
        Assert.Single(requests.Select(r => r.Body).Distinct());
        Assert.Single(requests.Select(r => r.Signature).Distinct());
        Assert.Equal(3, requests.Select(r => r.Timestamp).Distinct().Count());
    }

    [Fact]
    public async Task Gives_up_after_the_maximum_attempts_and_logs_the_delivery_as_failed()
    {
        var host = NewHost(new Dictionary<string, string?> { ["Webhooks:MaxAttempts"] = "3", ["Webhooks:BackoffBase"] = "00:00:01" });
        Receiver.Map("/down", (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status502BadGateway;
            return Task.CompletedTask;
        });
        var webhook = await host.CreateWebhookAsync(Receiver.Url("/down"));
        await host.RaiseAsync("al-down");
        await host.Dispatcher.FanOutAsync();

        for (var attempt = 1; attempt <= 3; attempt++)
        {
            Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
            Clock.Advance(TimeSpan.FromHours(1));
        }

        var failed = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(Proto.DeliveryStatus.Failed, failed.Status);
        Assert.Equal(3, failed.Attempts);
        Assert.Equal(502, failed.LastHttpStatus);
        Assert.Equal("HTTP 502 Bad Gateway", failed.LastError);
        Assert.Null(failed.NextAttemptAt);

        Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await host.Dispatcher.DeliverDueAsync());
        Assert.Equal(3, Receiver.At("/down").Count);
    }

    [Fact]
    public async Task Honors_retry_after()
    {
        var host = NewHost(new Dictionary<string, string?> { ["Webhooks:BackoffBase"] = "00:00:01", ["Webhooks:BackoffMax"] = "01:00:00" });
        Receiver.Map("/busy", (context, call) =>
        {
            if (call == 1)
            {
                context.Response.StatusCode = StatusCodes.Status429TooManyRequests;
                context.Response.Headers.RetryAfter = "120";
            }

            return Task.CompletedTask;
        });
        var webhook = await host.CreateWebhookAsync(Receiver.Url("/busy"));
        await host.RaiseAsync("al-busy");
        await host.Dispatcher.FanOutAsync();

        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
        var waiting = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(429, waiting.LastHttpStatus);
        Assert.Equal(WebhookHost.Now.AddSeconds(120), waiting.NextAttemptAt.ToDateTimeOffset());

        Clock.Advance(TimeSpan.FromSeconds(119));
        Assert.Equal(0, await host.Dispatcher.DeliverDueAsync());
        Clock.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
        Assert.Equal(Proto.DeliveryStatus.Delivered, (await host.DeliveryAsync(webhook.Id)).Status);
        Assert.Equal(2, Receiver.At("/busy").Count);
    }

    [Fact]
    public async Task Honors_retry_after_given_as_a_date_within_the_maximum_backoff()
    {
        var host = NewHost(new Dictionary<string, string?> { ["Webhooks:BackoffBase"] = "00:00:01", ["Webhooks:BackoffMax"] = "00:10:00" });
        Receiver.Map("/later", (context, call) =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            context.Response.Headers.RetryAfter = (call == 1 ? WebhookHost.Now.AddMinutes(5) : WebhookHost.Now.AddDays(1)).ToString("R", CultureInfo.InvariantCulture);
            return Task.CompletedTask;
        });
        var webhook = await host.CreateWebhookAsync(Receiver.Url("/later"));
        await host.RaiseAsync("al-later");
        await host.Dispatcher.FanOutAsync();

        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
        var first = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(WebhookHost.Now.AddMinutes(5), first.NextAttemptAt.ToDateTimeOffset());

        // A date further away than Webhooks:BackoffMax is capped at it.
        Clock.Now = WebhookHost.Now.AddMinutes(5);
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
        var second = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(Clock.GetUtcNow().AddMinutes(10), second.NextAttemptAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task A_dead_receiver_holds_at_most_its_share_of_slots_and_times_out()
    {
        var host = NewHost(new Dictionary<string, string?>
        {
            ["Webhooks:RequestTimeout"] = "00:00:05",
            ["Webhooks:MaxConcurrentDeliveries"] = "16",
            ["Webhooks:MaxConcurrentPerWebhook"] = "2",
        });
        var never = new TaskCompletionSource();
        Receiver.Map("/dead", (context, _) => never.Task.WaitAsync(context.RequestAborted));
        var dead = await host.CreateWebhookAsync(Receiver.Url("/dead"));
        var alive = await host.CreateWebhookAsync(Receiver.Url("/alive"));
        for (var i = 1; i <= 3; i++)
        {
            await host.RaiseAsync($"al-{i}");
        }

        Assert.Equal(6, await host.Dispatcher.FanOutAsync());
        var firstRound = host.Dispatcher.DeliverDueAsync();
        await Receiver.WaitForAsync("/alive", 2);
        await Receiver.WaitForAsync("/dead", 2);

        // While two POSTs hang on the dead receiver, the next round still delivers the live one's third event.
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());
        Assert.False(firstRound.IsCompleted);
        var aliveLog = await host.ListDeliveriesAsync(alive.Id);
        Assert.Equal(3, aliveLog.Deliveries.Count(d => d.Status == Proto.DeliveryStatus.Delivered));

        Assert.Equal(4, await firstRound);
        Assert.Equal(2, Receiver.MaxInFlight("/dead"));
        Assert.Equal(2, Receiver.At("/dead").Count);
        var deadLog = (await host.ListDeliveriesAsync(dead.Id)).Deliveries;
        Assert.All(deadLog, d => Assert.Equal(Proto.DeliveryStatus.Pending, d.Status));
        var timedOut = deadLog.Where(d => d.Attempts == 1).ToList();
        Assert.Equal(2, timedOut.Count);
        Assert.All(timedOut, d =>
        {
            Assert.Equal(0, d.LastHttpStatus);
            Assert.Equal("no response within 5 s", d.LastError);
        });
        Assert.Single(deadLog, d => d.Attempts == 0);
    }

    [Fact]
    public async Task The_delivery_log_pages_newest_first_and_retention_removes_finished_deliveries()
    {
        var host = NewHost(new Dictionary<string, string?> { ["Webhooks:DeliveryRetention"] = "2.00:00:00" });
        var webhook = await host.CreateWebhookAsync(Receiver.Url("/log"));
        for (var i = 1; i <= 5; i++)
        {
            await host.RaiseAsync($"al-{i}");
        }

        await host.Dispatcher.FanOutAsync();
        while (await host.Dispatcher.DeliverDueAsync() > 0)
        {
        }

        var alertIds = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await host.ListDeliveriesAsync(webhook.Id, pageSize: 2, pageToken: token);
            Assert.True(page.Deliveries.Count <= 2);
            alertIds.AddRange(page.Deliveries.Select(d => d.AlertId));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(["al-5", "al-4", "al-3", "al-2", "al-1"], alertIds);

        Clock.Advance(TimeSpan.FromDays(1));
        Assert.Equal(0, await host.Dispatcher.PurgeAsync());
        Assert.Equal(5, (await host.ListDeliveriesAsync(webhook.Id)).Deliveries.Count);
        Clock.Advance(TimeSpan.FromDays(1.5));
        Assert.Equal(5, await host.Dispatcher.PurgeAsync());
        Assert.Empty((await host.ListDeliveriesAsync(webhook.Id)).Deliveries);
    }

    [Fact]
    public async Task Deleting_a_webhook_fails_its_pending_deliveries_and_keeps_its_log()
    {
        var host = NewHost();
        Receiver.Map("/gone", (context, _) =>
        {
            context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
            return Task.CompletedTask;
        });
        var webhook = await host.CreateWebhookAsync(Receiver.Url("/gone"));
        await host.RaiseAsync("al-gone");
        await host.Dispatcher.FanOutAsync();
        Assert.Equal(1, await host.Dispatcher.DeliverDueAsync());

        var response = await host.Grpc.DeleteWebhook(new Proto.DeleteWebhookRequest { Id = webhook.Id }, new TestServerCallContext());
        Assert.True(response.Deleted);
        Assert.False((await host.Grpc.DeleteWebhook(new Proto.DeleteWebhookRequest { Id = webhook.Id }, new TestServerCallContext())).Deleted);
        Assert.Empty((await host.Grpc.ListWebhooks(new Proto.ListWebhooksRequest(), new TestServerCallContext())).Webhooks);

        var delivery = await host.DeliveryAsync(webhook.Id);
        Assert.Equal(Proto.DeliveryStatus.Failed, delivery.Status);
        Assert.Equal(1, delivery.Attempts);
        Assert.Equal("webhook deleted", delivery.LastError);

        Clock.Advance(TimeSpan.FromDays(1));
        await host.RaiseAsync("al-after-delete");
        Assert.Equal(0, await host.Dispatcher.FanOutAsync());
        Assert.Equal(0, await host.Dispatcher.DeliverDueAsync());
        Assert.Single(Receiver.At("/gone"));
    }

    [Fact]
    public async Task A_large_backlog_is_fanned_out_in_several_commits_without_losing_or_repeating_a_delivery()
    {
        var host = NewHost();
        var webhookIds = new List<string>();
        for (var w = 0; w < 3; w++)
        {
            webhookIds.Add((await host.CreateWebhookAsync(Receiver.Url($"/bulk-{w}"))).Id);
        }

        for (var i = 0; i < 400; i++)
        {
            await host.RaiseAsync($"al-{i}", sourceId: $"outlet-{i % 9}");
        }

        Assert.Equal(1_200, await host.Dispatcher.FanOutAsync());
        Assert.Equal(0, await host.Dispatcher.FanOutAsync());
        foreach (var webhookId in webhookIds)
        {
            var page = await host.ListDeliveriesAsync(webhookId, pageSize: 1_000);
            Assert.Equal(400, page.Deliveries.Select(d => d.AlertId).Distinct().Count());
            Assert.Equal(400, page.Deliveries.Count);
            Assert.All(page.Deliveries, d => Assert.Equal(Proto.DeliveryStatus.Pending, d.Status));
        }
    }

    [Fact]
    public async Task Registered_webhooks_are_listed_without_their_secret()
    {
        var host = NewHost();
        var created = await host.CreateWebhookAsync(Receiver.Url("/listed"), Proto.WebhookFormat.Slack,
            new Proto.WebhookFilter { ClaimIds = { "claim-a" }, MinSeverity = Proto.AlertSeverity.Medium });

        var listed = Assert.Single((await host.Grpc.ListWebhooks(new Proto.ListWebhooksRequest(), new TestServerCallContext())).Webhooks);
        Assert.Equal(created, listed);
        Assert.StartsWith("wh-", listed.Id);
        Assert.Equal(Receiver.Url("/listed"), listed.Url);
        Assert.Equal(Proto.WebhookFormat.Slack, listed.Format);
        Assert.Equal(["claim-a"], listed.Filter.ClaimIds);
        Assert.Equal(Proto.AlertSeverity.Medium, listed.Filter.MinSeverity);
        Assert.Equal(WebhookHost.Now, listed.CreatedAt.ToDateTimeOffset());
        Assert.DoesNotContain(WebhookHost.Secret, JsonFormatter.Default.Format(listed));
        Assert.DoesNotContain(WebhookHost.Secret, (await host.Store.ListAsync()).Single().ToString());
    }

    /// <summary>"alert:event" of each request to the path, sorted: attempts run concurrently, so arrival order is not fixed.</summary>
    private List<string> Received(string path) =>
        Receiver.At(path)
            .Select(r => JsonParser.Default.Parse<Proto.AlertEvent>(r.Body))
            .Select(e => $"{e.Alert.Id}:{e.Type.ToString().ToLowerInvariant()}")
            .Order(StringComparer.Ordinal)
            .ToList();

    private static List<string> Sorted(params string[] values) => values.Order(StringComparer.Ordinal).ToList();
}

public sealed class InMemoryWebhookDeliveryTests : WebhookDeliveryTests
{
    protected override WebhookHost NewHost(IDictionary<string, string?>? settings = null) =>
        Track(WebhookHost.Create(null, "t:", Clock, settings));
}
