using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Dashboard.Tests;

/// <summary>The dashboard's HTTP API over real gRPC: errors, the event stream, credentials, options, embedded mode.</summary>
public sealed class ApiTests
{
    [Theory]
    [InlineData("not a url", "Dashboard:AlertsAddress")]
    [InlineData("ftp://alerts:5301", "Dashboard:AlertsAddress")]
    [InlineData("", "AlertsAddress")]
    public async Task An_invalid_service_address_stops_the_dashboard_at_start(string address, string named)
    {
        await using var app = DashboardHost.Build(address, "http://127.0.0.1:5201");
        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());
        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task A_dns_address_for_a_headless_service_is_accepted()
    {
        await using var app = DashboardHost.Build("dns:///narrativemonitor-alerts-headless:5301", "http://127.0.0.1:5201");
        await app.StartAsync();
        await app.StopAsync();
    }

    [Fact]
    public async Task Answers_are_the_protos_in_json_and_errors_keep_the_grpc_code()
    {
        await using var backend = await FakeBackend.StartAsync();
        var alert = ContractPagesTests.ExplainedAlert();
        backend.Alerts[alert.Id] = alert;
        await using var dashboard = await DashboardHost.StartAsync(backend.Address, backend.Address);
        using var http = new HttpClient { BaseAddress = dashboard.Url() };

        using var found = JsonDocument.Parse(await http.GetStringAsync("api/alerts/" + alert.Id));
        Assert.Equal("ALERT_KIND_OMISSION", found.RootElement.GetProperty("kind").GetString());
        Assert.Equal(alert.Explanation.Summary, found.RootElement.GetProperty("explanation").GetProperty("summary").GetString());
        Assert.Equal("2024-11-16T00:00:00Z", found.RootElement.GetProperty("raisedAt").GetString());

        await AssertErrorAsync(await http.GetAsync("api/alerts/nope"), HttpStatusCode.NotFound, "NOT_FOUND", "id: no alert nope");
        await AssertErrorAsync(await http.GetAsync("api/claims/nope/timeline"), HttpStatusCode.NotImplemented, "UNIMPLEMENTED", "");
        await AssertErrorAsync(await http.PostAsJsonAsync($"api/alerts/{alert.Id}/acknowledge", new { analyst = "x" }), HttpStatusCode.NotImplemented, "UNIMPLEMENTED", "");
        await AssertErrorAsync(await http.GetAsync("api/alerts?state=closed"), HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "state: must be open, acknowledged, resolved or withdrawn");

        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("api/alerts?state=acknowledged&kind=omission")).StatusCode);
        var list = (ListAlertsRequest)backend.CallsOf(nameof(FakeAlertService.ListAlerts)).Single().Request;
        Assert.Equal((AlertState.Acknowledged, Protos.Common.V1.AlertKind.Omission), (list.State, list.Kind));
    }

    [Fact]
    public async Task The_event_stream_carries_cursors_and_resumes_after_the_last_event_seen()
    {
        await using var backend = await FakeBackend.StartAsync();
        var alert = ContractPagesTests.ExplainedAlert();
        for (var i = 1; i <= 3; i++)
        {
            backend.Events.Add(new AlertEvent { Cursor = $"c-{i}", Type = AlertEventType.Raised, Alert = alert, RecordedAt = Timestamp.FromDateTime(DateTime.UtcNow) });
        }

        await using var dashboard = await DashboardHost.StartAsync(backend.Address, backend.Address);
        using var http = new HttpClient { BaseAddress = dashboard.Url() };

        var first = await ReadEventsAsync(http, new HttpRequestMessage(HttpMethod.Get, "api/events"), 4);
        Assert.Equal(["ready", "alert", "alert", "alert"], first.Select(e => e.Type));
        Assert.Equal(["c-1", "c-2", "c-3"], first.Skip(1).Select(e => e.Id));
        using (var data = JsonDocument.Parse(first[1].Data))
        {
            Assert.Equal("ALERT_EVENT_TYPE_RAISED", data.RootElement.GetProperty("type").GetString());
            Assert.Equal(alert.Id, data.RootElement.GetProperty("alert").GetProperty("id").GetString());
        }

        var resumed = new HttpRequestMessage(HttpMethod.Get, "api/events");
        resumed.Headers.Add("Last-Event-ID", "c-1");
        var second = await ReadEventsAsync(http, resumed, 3);
        Assert.Equal(["c-2", "c-3"], second.Skip(1).Select(e => e.Id));
        Assert.Equal("c-1", ((SubscribeAlertsRequest)backend.CallsOf(nameof(FakeAlertService.SubscribeAlerts)).Last().Request).Cursor);
    }

    [Fact]
    public async Task A_stopping_dashboard_ends_its_event_streams_instead_of_holding_shutdown()
    {
        await using var backend = await FakeBackend.StartAsync();
        var dashboard = await DashboardHost.StartAsync(backend.Address, backend.Address);
        using var http = new HttpClient { BaseAddress = dashboard.Url() };
        using var response = await http.GetAsync("api/events", HttpCompletionOption.ResponseHeadersRead);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("event: ready", await reader.ReadLineAsync());

        var stopping = dashboard.StopAsync();
        // The host would wait its 30 s shutdown timeout for an open stream; well before that, the stream has ended.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        while (await reader.ReadLineAsync(patience.Token) is not null)
        {
        }

        await stopping;
        await dashboard.DisposeAsync();
    }

    [Fact]
    public async Task The_browsers_credential_is_forwarded_and_the_configured_service_key_is_used_only_without_one()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var dashboard = await DashboardHost.StartAsync(backend.Address, backend.Address, new Dictionary<string, string?> { ["Dashboard:ApiKey"] = "service-key" });
        using var http = new HttpClient { BaseAddress = dashboard.Url() };

        await http.GetAsync("api/claims");
        var withKey = new HttpRequestMessage(HttpMethod.Get, "api/claims");
        withKey.Headers.Add("x-api-key", "analyst-key");
        await http.SendAsync(withKey);
        var withToken = new HttpRequestMessage(HttpMethod.Get, "api/claims");
        withToken.Headers.Add("authorization", "Bearer token-1");
        await http.SendAsync(withToken);

        var calls = backend.CallsOf("ListClaims");
        Assert.Equal(3, calls.Count);
        Assert.Equal("service-key", calls[0].Headers.GetValue("x-api-key"));
        Assert.Equal("analyst-key", calls[1].Headers.GetValue("x-api-key"));
        Assert.Equal("Bearer token-1", calls[2].Headers.GetValue("authorization"));
        Assert.Null(calls[2].Headers.GetValue("x-api-key"));
    }

    [Fact]
    public async Task The_embedded_serve_host_serves_the_dashboard_over_its_own_services()
    {
        await using var app = EmbeddedHost.Build([], new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri(app.HttpAddress(), "/") };

        var page = await http.GetAsync("");
        Assert.True(page.IsSuccessStatusCode, $"{page.RequestMessage?.RequestUri}: {page.StatusCode} {await page.Content.ReadAsStringAsync()}");
        Assert.Equal("text/html", page.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<script type=\"module\" src=\"app.js\">", await page.Content.ReadAsStringAsync());
        Assert.Contains("default-src 'self'", page.Headers.GetValues("Content-Security-Policy").Single());
        Assert.Contains("function plotTimeline", await http.GetStringAsync("app.js"));

        using var alerts = JsonDocument.Parse(await http.GetStringAsync("api/alerts"));
        Assert.Equal(0, alerts.RootElement.GetProperty("alerts").GetArrayLength());
        await AssertErrorAsync(await http.PostAsJsonAsync("api/alerts/al-1/acknowledge", new { note = "x" }), HttpStatusCode.BadRequest, "INVALID_ARGUMENT", "analyst: required");
        await AssertErrorAsync(await http.GetAsync("api/claims/none"), HttpStatusCode.NotFound, "NOT_FOUND", null);
        await app.StopAsync();
    }

    private static async Task AssertErrorAsync(HttpResponseMessage response, HttpStatusCode status, string code, string? message)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"{response.RequestMessage?.RequestUri}: {response.StatusCode} {body}");
        using var json = JsonDocument.Parse(body);
        Assert.Equal(code, json.RootElement.GetProperty("code").GetString());
        if (message is not null)
        {
            Assert.Equal(message, json.RootElement.GetProperty("message").GetString());
        }
    }

    private static async Task<List<(string Type, string Id, string Data)>> ReadEventsAsync(HttpClient http, HttpRequestMessage request, int count)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(timeout.Token));
        var events = new List<(string Type, string Id, string Data)>();
        var (type, id, data) = ("message", "", "");
        while (events.Count < count && await reader.ReadLineAsync(timeout.Token) is { } line)
        {
            if (line.Length == 0)
            {
                events.Add((type, id, data));
                (type, id, data) = ("message", "", "");
            }
            else if (line.StartsWith("event: ", StringComparison.Ordinal)) type = line[7..];
            else if (line.StartsWith("id: ", StringComparison.Ordinal)) id = line[4..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
        }

        return events;
    }
}
