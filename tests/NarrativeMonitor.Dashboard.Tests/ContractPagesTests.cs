using Google.Protobuf.WellKnownTypes;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using ProtoCommon = NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Dashboard.Tests;

/// <summary>
/// The pages against a gRPC backend that answers the whole alerts contract from fixed data: the timeline plot, the
/// explanation and audit trail, resolving, and the analyst's credential forwarded to the services.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class ContractPagesTests(ChromiumFixture chromium)
{
    private static readonly DateTime Day0 = new(2024, 11, 10, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public async Task The_claim_page_plots_each_outlets_stances_per_day_and_marks_the_confirmation()
    {
        await using var backend = await FakeBackend.StartAsync();
        backend.Claims["dprk-troops-kursk"] = Claim("dprk-troops-kursk");
        backend.Timeline = new ClaimTimeline
        {
            ClaimId = "dprk-troops-kursk",
            ConfirmedAt = Timestamp.FromDateTime(Day0.AddDays(2).AddHours(13)),
            Outlets =
            {
                Outlet("isw", ProtoCommon.SourceKind.Analysis, Day("2024-11-12", acknowledges: 1)),
                Outlet("reuters", ProtoCommon.SourceKind.Wire, Day("2024-11-10", discusses: 1), Day("2024-11-13", acknowledges: 2)),
                Outlet("tass", ProtoCommon.SourceKind.StateMedia, Day("2024-11-11", omits: 1), Day("2024-11-14", omits: 3, deflects: 1), Day("2024-11-20", omits: 1)),
                Outlet("rt", ProtoCommon.SourceKind.StateMedia, Day("2024-11-15", denies: 2)),
            },
        };
        await using var dashboard = await DashboardHost.StartAsync(backend.Address, backend.Address);
        await using var page = await chromium.NewPageAsync();

        await page.GotoAsync(new Uri(dashboard.Url(), "#/claims/dprk-troops-kursk"));
        await page.WaitForAsync("document.querySelector('#timeline')");

        var points = (await page.EvaluateAsync(
            "[...document.querySelectorAll('#timeline circle.point')].map(c => [c.dataset.outlet, c.dataset.date, c.dataset.stance, Number(c.dataset.count), Number(c.getAttribute('cx')), Number(c.getAttribute('cy'))])"))!
            .AsArray().Select(p => p!.AsArray()).Select(p => (
                Outlet: p[0]!.GetValue<string>(), Date: p[1]!.GetValue<string>(), Stance: p[2]!.GetValue<string>(), Count: p[3]!.GetValue<int>(),
                X: p[4]!.GetValue<double>(), Y: p[5]!.GetValue<double>())).ToList();
        Assert.Equal(
            new[]
            {
                ("isw", "2024-11-12", "acknowledges", 1), ("reuters", "2024-11-10", "discusses", 1), ("reuters", "2024-11-13", "acknowledges", 2),
                ("tass", "2024-11-11", "omits", 1), ("tass", "2024-11-14", "deflects", 1), ("tass", "2024-11-14", "omits", 3),
                ("tass", "2024-11-20", "omits", 1), ("rt", "2024-11-15", "denies", 2),
            }.Order(),
            points.Select(p => (p.Outlet, p.Date, p.Stance, p.Count)).Order());

        // Lanes: confirming sources above the state outlets, in the service's order; time runs left to right.
        var lanes = points.GroupBy(p => p.Outlet).ToDictionary(g => g.Key, g => g.Select(p => p.Y).Distinct().Single());
        Assert.True(lanes["isw"] < lanes["reuters"] && lanes["reuters"] < lanes["tass"] && lanes["tass"] < lanes["rt"], string.Join(", ", lanes));
        var tass = points.Where(p => p.Outlet == "tass" && p.Stance == "omits").OrderBy(p => p.Date, StringComparer.Ordinal).Select(p => p.X).ToList();
        Assert.Equal(tass.Order(), tass);

        Assert.Equal("2024-11-12", (await page.EvaluateAsync("document.getElementById('confirmed-marker').dataset.date"))!.GetValue<string>());
        var markerX = (await page.EvaluateAsync("Number(document.querySelector('#confirmed-marker line').getAttribute('x1'))"))!.GetValue<double>();
        Assert.Equal(points.Single(p => p.Outlet == "isw").X, markerX, 1);
        Assert.Contains("Confirming sources", await page.TextAsync("#timeline"));
        Assert.Contains("State outlets", await page.TextAsync("#timeline"));
        await page.SaveScreenshotAsync("claim-timeline");
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task The_alert_page_shows_the_explanation_and_audit_trail_and_resolves_with_the_analysts_reason()
    {
        await using var backend = await FakeBackend.StartAsync();
        var alert = ExplainedAlert();
        backend.Alerts[alert.Id] = alert;
        await using var dashboard = await DashboardHost.StartAsync(backend.Address, backend.Address);
        await using var page = await chromium.NewPageAsync();

        await page.GotoAsync(new Uri(dashboard.Url(), "#/alerts/" + alert.Id));
        await page.WaitForAsync("document.querySelector('#explanation-summary')");
        Assert.Equal(alert.Explanation.Summary, await page.TextAsync("#explanation-summary"));
        var links = (await page.EvaluateAsync("[...document.querySelectorAll('#diverging-articles a, #confirming-articles a')].map(a => a.href)"))!
            .AsArray().Select(n => n!.GetValue<string>()).ToList();
        Assert.Equal(["https://tass.example/2", "https://tass.example/3", "https://isw.example/1"], links);
        // A link that is not http(s) is shown as text, never as a link that could run script.
        Assert.Contains("Drills near Kursk", await page.TextAsync("#diverging-articles"));
        Assert.Contains("Kremlin: no comment", await page.TextAsync("#diverging-articles .evidence-sentence"));
        Assert.Equal(2, (await page.EvaluateAsync("document.querySelectorAll('#audit tbody tr').length"))!.GetValue<int>());
        Assert.Contains("Ada Analyst", await page.TextAsync("#audit"));

        await page.SaveScreenshotAsync("alert-explained");
        await page.TypeAsync("#resolve-form input[name=analyst]", "Grace Analyst");
        await page.TypeAsync("#resolve-form textarea[name=reason]", "False positive: the articles cover another front.");
        await page.ClickAsync("#resolve-form button[type=submit]");
        await page.WaitForAsync("document.querySelector('#alert-state')?.textContent === 'resolved'");

        var call = Assert.Single(backend.CallsOf(nameof(FakeAlertService.ResolveAlert)));
        var request = (ResolveAlertRequest)call.Request;
        Assert.Equal((alert.Id, "Grace Analyst", "False positive: the articles cover another front."), (request.Id, request.Analyst, request.Reason));
        Assert.Equal(3, (await page.EvaluateAsync("document.querySelectorAll('#audit tbody tr').length"))!.GetValue<int>());
        Assert.Contains("Grace Analyst", await page.TextAsync("#audit"));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Without_the_new_rpcs_the_pages_say_what_is_missing()
    {
        await using var backend = await FakeBackend.StartAsync();
        backend.Claims["dprk-troops-kursk"] = Claim("dprk-troops-kursk");
        var alert = ExplainedAlert();
        alert.Explanation = null;
        alert.Audit.Clear();
        backend.Alerts[alert.Id] = alert;
        await using var dashboard = await DashboardHost.StartAsync(backend.Address, backend.Address);
        await using var page = await chromium.NewPageAsync();

        await page.GotoAsync(new Uri(dashboard.Url(), "#/claims/dprk-troops-kursk"));
        await page.WaitForAsync("document.querySelector('#timeline-empty')");
        Assert.Contains("No timeline data", await page.TextAsync("#timeline-empty"));
        Assert.Contains("UNIMPLEMENTED", await page.TextAsync("#timeline-empty"));

        await page.GotoAsync(new Uri(dashboard.Url(), "#/alerts/" + alert.Id));
        await page.WaitForAsync("document.querySelector('#explanation-missing')");
        Assert.Contains("No audit trail", await page.TextAsync("#audit-empty"));
        Assert.Equal(["tass-2", "tass-3"], (await page.EvaluateAsync("[...document.querySelectorAll('#diverging-articles li')].map(li => li.dataset.articleId)"))!
            .AsArray().Select(n => n!.GetValue<string>()));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task The_analysts_key_or_token_entered_once_is_forwarded_to_the_services_and_kept_for_the_tab_only()
    {
        await using var backend = await FakeBackend.StartAsync();
        await using var dashboard = await DashboardHost.StartAsync(backend.Address, backend.Address);
        await using var page = await chromium.NewPageAsync();
        await page.GotoAsync(dashboard.Url());
        await page.WaitForAsync("document.querySelector('#live-status.live')");
        Assert.All(backend.Calls, c => Assert.Null(c.Headers.GetValue("x-api-key")));

        await page.TypeAsync("#credential", "analyst-key-1");
        await page.ClickAsync("#credentials button[type=submit]");
        await WaitForCallAsync(backend, c => c.Method == "ListAlerts" && c.Headers.GetValue("x-api-key") == "analyst-key-1");
        await WaitForCallAsync(backend, c => c.Method == "SubscribeAlerts" && c.Headers.GetValue("x-api-key") == "analyst-key-1");
        Assert.Equal("analyst-key-1", (await page.EvaluateAsync("sessionStorage.getItem('nm.credential')"))!.GetValue<string>());
        Assert.Null(await page.EvaluateAsync("localStorage.getItem('nm.credential')"));

        await page.EvaluateAsync("(() => { const s = document.getElementById('credential-kind'); s.value = 'bearer'; })()");
        await page.TypeAsync("#credential", "eyJhbGciOiJIUzI1NiJ9.e30.sig");
        await page.ClickAsync("#credentials button[type=submit]");
        await WaitForCallAsync(backend, c => c.Method == "ListAlerts" && c.Headers.GetValue("authorization") == "Bearer eyJhbGciOiJIUzI1NiJ9.e30.sig");
        Assert.Null(backend.Calls.Last(c => c.Method == "ListAlerts").Headers.GetValue("x-api-key"));
        Assert.Empty(page.Errors);
    }

    private static async Task WaitForCallAsync(FakeBackend backend, Func<(string Method, Grpc.Core.Metadata Headers, Google.Protobuf.IMessage Request), bool> match)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!backend.Calls.Any(match))
        {
            Assert.True(DateTime.UtcNow < deadline, "calls seen: " + string.Join("; ", backend.Calls.Select(c => c.Method + " " + string.Join(",", c.Headers.Select(h => h.Key)))));
            await Task.Delay(100);
        }
    }

    internal static Claim Claim(string id) => new()
    {
        Id = id,
        Statement = "North Korean troops are fighting alongside Russian forces in Kursk Oblast",
        Topic = "fighting in Russia's Kursk Oblast",
        Status = ClaimStatus.Active,
        Rules = new ClaimRules { ConfirmationSources = 2, OmissionArticles = 3, OmissionWindow = Duration.FromTimeSpan(TimeSpan.FromDays(14)) },
    };

    internal static Alert ExplainedAlert()
    {
        var alert = new Alert
        {
            Id = "al-tass-omission",
            ClaimId = "dprk-troops-kursk",
            SourceId = "tass",
            Kind = ProtoCommon.AlertKind.Omission,
            Severity = AlertSeverity.Medium,
            State = AlertState.Acknowledged,
            RaisedAt = Timestamp.FromDateTime(Day0.AddDays(6)),
            AcknowledgedBy = "Ada Analyst",
            AcknowledgedAt = Timestamp.FromDateTime(Day0.AddDays(7)),
            Evidence = new AlertEvidence { ConfirmedAt = Timestamp.FromDateTime(Day0.AddDays(2)), DivergingArticleIds = { "tass-2", "tass-3" }, ConfirmingArticleIds = { "isw-1" } },
            Explanation = new AlertExplanation
            {
                Summary = "TASS published 2 articles on fighting in Kursk Oblast between 14 and 16 Nov 2024 without mentioning North Korean troops, after ISW (12 Nov 2024) confirmed it.",
                ClaimStatement = "North Korean troops are fighting alongside Russian forces in Kursk Oblast",
                OnTopicArticleCount = 2,
                DivergingArticles =
                {
                    Reference("tass-2", "tass", "https://tass.example/2", "Fighting in Kursk continues", 4, ProtoCommon.Stance.Omits, ""),
                    Reference("tass-3", "tass", "https://tass.example/3", "Kursk front update", 6, ProtoCommon.Stance.Deflects, "Kremlin: no comment on the reports."),
                    Reference("tass-4", "tass", "javascript:alert(1)", "Drills near Kursk", 6, ProtoCommon.Stance.Omits, ""),
                },
                ConfirmingArticles = { Reference("isw-1", "isw", "https://isw.example/1", "ISW: DPRK troops in Kursk", 2, ProtoCommon.Stance.Acknowledges, "North Korean troops are fighting in Kursk.") },
            },
        };
        alert.Audit.Add(new AlertAuditEntry { Type = AlertEventType.Raised, Actor = "system", Note = "3 articles silent on the claim", At = Timestamp.FromDateTime(Day0.AddDays(6)) });
        alert.Audit.Add(new AlertAuditEntry { Type = AlertEventType.Acknowledged, Actor = "Ada Analyst", Note = "seen", At = Timestamp.FromDateTime(Day0.AddDays(7)) });
        return alert;
    }

    private static ArticleReference Reference(string id, string source, string url, string title, int day, ProtoCommon.Stance stance, string sentence) => new()
    {
        ArticleId = id, SourceId = source, Url = url, Title = title, PublishedAt = Timestamp.FromDateTime(Day0.AddDays(day)), Stance = stance, EvidenceSentence = sentence,
    };

    private static OutletTimeline Outlet(string id, ProtoCommon.SourceKind kind, params TimelineDay[] days)
    {
        var outlet = new OutletTimeline { SourceId = id, SourceKind = kind };
        outlet.Days.AddRange(days);
        return outlet;
    }

    private static TimelineDay Day(string date, int acknowledges = 0, int denies = 0, int deflects = 0, int discusses = 0, int omits = 0) =>
        new() { Date = date, Acknowledges = acknowledges, Denies = denies, Deflects = deflects, Discusses = discusses, Omits = omits };
}
