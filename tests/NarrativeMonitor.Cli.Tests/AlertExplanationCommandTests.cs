using NarrativeMonitor.Cli.Client;
using NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Cli.Tests;

/// <summary>`alerts show`, `alerts resolve`, `timeline` and the credentials, against <see cref="FakeAlertService"/> over real gRPC.</summary>
public sealed class AlertExplanationCommandTests(FakeAlertServer server) : IClassFixture<FakeAlertServer>
{
    private string[] At(params string[] args) => [.. args, "--alerts", server.Address];

    [Fact]
    public async Task Show_prints_the_explanation_the_evidence_with_links_and_the_audit_trail()
    {
        var run = await Cli.RunOkAsync(At("alerts", "show", FakeAlertService.AlertId));

        Assert.Contains("Claim:     dprk-troops-kursk: North Korean troops are fighting alongside Russian forces in Kursk Oblast", run.Out);
        // The summary is wrapped for the terminal: compare it with the whitespace collapsed.
        Assert.Contains(FakeAlertService.Omission().Explanation.Summary, System.Text.RegularExpressions.Regex.Replace(run.Out, @"\s+", " "));
        Assert.Contains("https://www.understandingwar.org/backgrounder/kursk-1112", run.Out);
        Assert.Contains("https://tass.com/defense/kursk-2211", run.Out);
        Assert.Contains("\"North Korean troops are fighting in Kursk Oblast.\"", run.Out);
        Assert.Contains("2024-11-22 07:01  raised", run.Out);
        Assert.DoesNotContain("not provided by this server", run.Out);
    }

    [Fact]
    public async Task Show_json_is_the_alert_in_the_protobuf_json_mapping()
    {
        var run = await Cli.RunOkAsync(At("alerts", "show", FakeAlertService.AlertId, "--json"));

        Assert.Equal(FakeAlertService.Omission(), Alert.Parser.ParseJson(run.Out));
    }

    [Fact]
    public async Task Resolve_sends_the_analyst_and_reason_and_prints_the_resolved_alert()
    {
        var run = await Cli.RunOkAsync(At("alerts", "resolve", FakeAlertService.AlertId, "--reason", "false positive: TASS covered it on radio", "--analyst", "ana"));

        Assert.Contains($"Alert {FakeAlertService.AlertId} is resolved (resolved by ana: false positive: TASS covered it on radio)", run.Out);
        Assert.Contains(server.Service.Resolutions, r => r.Id == FakeAlertService.AlertId && r.Analyst == "ana" && r.Reason == "false positive: TASS covered it on radio");
    }

    [Fact]
    public async Task Resolve_without_a_reason_is_refused_before_any_call()
    {
        var run = await Cli.RunAsync(At("alerts", "resolve", FakeAlertService.AlertId));

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--reason", run.Error);
    }

    [Fact]
    public async Task Timeline_prints_a_table_per_outlet_per_day_and_a_sparkline()
    {
        var run = await Cli.RunOkAsync(At("timeline", "dprk-troops-kursk"));

        Assert.Contains("Claim dprk-troops-kursk: confirmed 2024-11-12 19:00 UTC", run.Out);
        Assert.Contains("2024-11-10 to 2024-11-22", run.Out);
        // 13 days from 10 to 22 November: tass has 1, 3 and 4 articles on days 0, 6 and 12.
        var tassLine = Assert.Single(run.OutLines, l => l.StartsWith("tass ", StringComparison.Ordinal) && l.Contains("state_media"));
        Assert.Contains("▂     ▆     █", tassLine);
        Assert.Contains(run.OutLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^tass\s+2024-11-16\s+\.\s+\.\s+1\s+\.\s+2$"));
        Assert.Contains(run.OutLines, l => System.Text.RegularExpressions.Regex.IsMatch(l, @"^isw\s+2024-11-12\s+1\s+\.\s+\.\s+\.\s+\.$"));

        var json = await Cli.RunOkAsync(At("timeline", "dprk-troops-kursk", "--outlet", "tass", "--json"));
        var timeline = ClaimTimeline.Parser.ParseJson(json.Out);
        Assert.Equal("tass", Assert.Single(timeline.Outlets).SourceId);
    }

    [Fact]
    public async Task Api_key_and_token_are_sent_as_headers()
    {
        await Cli.RunOkAsync(At("alerts", "show", FakeAlertService.AlertId, "--api-key", "key-123"));
        Assert.Equal("key-123", server.Service.Headers.Last().GetValue("x-api-key"));

        await Cli.RunOkAsync(At("alerts", "show", FakeAlertService.AlertId, "--token", "eyJ.test.jwt"));
        Assert.Equal("Bearer eyJ.test.jwt", server.Service.Headers.Last().GetValue("authorization"));
    }

    [Fact]
    public async Task The_api_key_comes_from_NM_API_KEY_unless_the_option_is_given()
    {
        // Other test classes may run meanwhile; the variable only adds a header their open servers ignore.
        Environment.SetEnvironmentVariable("NM_API_KEY", "key-from-env");
        try
        {
            await Cli.RunOkAsync(At("alerts", "show", FakeAlertService.AlertId));
            Assert.Equal("key-from-env", server.Service.Headers.Last().GetValue("x-api-key"));

            await Cli.RunOkAsync(At("alerts", "show", FakeAlertService.AlertId, "--api-key", "key-from-option"));
            Assert.Equal("key-from-option", server.Service.Headers.Last().GetValue("x-api-key"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("NM_API_KEY", null);
        }
    }

    [Fact]
    public async Task An_rpc_the_server_does_not_implement_exits_7_and_says_so()
    {
        var run = await Cli.RunAsync(At("alerts", "watch", "--from-beginning"));

        Assert.Equal(ExitCodes.Unimplemented, run.ExitCode);
        Assert.StartsWith("error: UNIMPLEMENTED", run.Error);
        Assert.Contains("older version", run.Error);
    }
}
