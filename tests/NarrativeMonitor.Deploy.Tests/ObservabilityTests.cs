using System.Diagnostics.Metrics;
using System.Text.RegularExpressions;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Deploy.Tests;

public sealed partial class ObservabilityTests
{
    [Fact]
    public async Task Service_defaults_serve_prometheus_metrics_of_the_narrativemonitor_meter()
    {
        var probe = Telemetry.Meter.CreateCounter<long>("nm.deploy_tests.probe", "{probe}");
        await using var app = BuildApp();
        await app.StartAsync();
        probe.Add(3, new KeyValuePair<string, object?>("kind", "denial"));

        var client = app.GetTestClient();
        var response = await client.GetAsync(ServiceDefaultsExtensions.MetricsPath);
        var body = await response.Content.ReadAsStringAsync();

        Assert.True(response.IsSuccessStatusCode, body);
        Assert.StartsWith("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Matches(@"nm_deploy_tests_probe_total\{[^}]*kind=""denial""[^}]*\} 3", body);
    }

    [Fact]
    public async Task Grpc_health_answers_readiness_with_every_check_and_liveness_with_the_live_ones()
    {
        await using var app = BuildApp(services => services.AddHealthChecks()
            .AddCheck("broker", () => HealthCheckResult.Unhealthy("down"), ["ready"]));
        await app.StartAsync();
        using var channel = GrpcChannel.ForAddress(app.GetTestServer().BaseAddress, new GrpcChannelOptions { HttpHandler = app.GetTestServer().CreateHandler() });
        var health = new Health.HealthClient(channel);

        var readiness = await health.CheckAsync(new HealthCheckRequest { Service = "" });
        var liveness = await health.CheckAsync(new HealthCheckRequest { Service = ServiceDefaultsExtensions.LivenessService });

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.NotServing, readiness.Status);
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, liveness.Status);
    }

    [Fact]
    public void Dashboard_and_alert_rules_use_only_metrics_the_services_export()
    {
        var exported = ExportedMetricNames();
        Assert.Contains("nm_ingest_articles_accepted_total", exported);
        Assert.Contains("nm_classification_duration_milliseconds_bucket", exported);
        Assert.Contains("nm_alerts_raised_total", exported);

        foreach (var file in new[] { Repo.PathOf("deploy", "grafana", "narrativemonitor-dashboard.json"), Repo.PathOf("deploy", "prometheus-rules.yaml") })
        {
            var used = NmMetric().Matches(File.ReadAllText(file)).Select(m => m.Value).ToHashSet();
            Assert.NotEmpty(used);
            var unknown = used.Where(name => !exported.Contains(name)).ToList();
            Assert.True(unknown.Count == 0, $"{Path.GetFileName(file)} uses {string.Join(", ", unknown)}, which no instrument exports. Exported: {string.Join(", ", exported.Order())}");
        }
    }

    [Fact]
    public void Every_alert_rule_has_a_severity_a_summary_and_a_runbook_section()
    {
        var rules = Yaml.Load(File.ReadAllText(Repo.PathOf("deploy", "prometheus-rules.yaml")));
        Assert.Equal("PrometheusRule", rules.Kind());
        Assert.Equal("monitoring.coreos.com/v1", rules.Str("apiVersion"));
        var runbook = File.ReadAllText(Repo.PathOf("deploy", "RUNBOOK.md"));
        var anchors = Regex.Matches(runbook, @"^#+ (.+)$", RegexOptions.Multiline)
            .Select(m => Regex.Replace(m.Groups[1].Value.Trim().ToLowerInvariant(), @"[^a-z0-9 _-]", "").Replace(' ', '-')).ToHashSet();
        var alerts = rules.At("spec").Maps("groups").SelectMany(g => g.Maps("rules")).Where(r => r.ContainsKey("alert")).ToList();
        Assert.True(alerts.Count >= 5);
        foreach (var rule in alerts)
        {
            var name = rule.Str("alert");
            Assert.False(string.IsNullOrWhiteSpace(rule.Str("expr")), $"{name}: no expr");
            Assert.Contains(rule.Map("labels").Str("severity"), new[] { "critical", "warning", "info" });
            Assert.False(string.IsNullOrWhiteSpace(rule.Map("annotations").Str("summary")), $"{name}: no summary");
            var url = rule.Map("annotations").Str("runbook_url") ?? "";
            var anchor = url[(url.IndexOf('#') + 1)..];
            Assert.True(url.Contains("RUNBOOK.md#", StringComparison.Ordinal) && anchors.Contains(anchor), $"{name}: runbook_url {url} names no heading of deploy/RUNBOOK.md");
        }
    }

    [Fact]
    public void Dashboard_is_valid_grafana_json()
    {
        using var dashboard = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Repo.PathOf("deploy", "grafana", "narrativemonitor-dashboard.json")));
        var panels = dashboard.RootElement.GetProperty("panels").EnumerateArray().ToList();
        Assert.True(panels.Count >= 6);
        var ids = panels.Select(p => p.GetProperty("id").GetInt32()).ToList();
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.All(panels.Where(p => p.GetProperty("type").GetString() != "row"),
            p => Assert.NotEmpty(p.GetProperty("targets").EnumerateArray().Select(t => t.GetProperty("expr").GetString())));
    }

    private static WebApplication BuildApp(Action<IServiceCollection>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseTestServer();
        builder.AddServiceDefaults();
        configure?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapDefaultEndpoints();
        return app;
    }

    /// <summary>
    /// Prometheus names of the instruments the services create on <see cref="Telemetry.Meter"/>, found in their sources,
    /// named as the OpenTelemetry Prometheus exporter renders them: dots become underscores, a unit adds a suffix
    /// (ms: _milliseconds, s: _seconds, By: _bytes; {annotations} add none), counters end in _total, histograms export
    /// _bucket, _sum and _count.
    /// </summary>
    private static HashSet<string> ExportedMetricNames()
    {
        var names = new HashSet<string>();
        foreach (var file in Directory.EnumerateFiles(Repo.PathOf("services"), "*.cs", SearchOption.AllDirectories)
                     .Where(f => !f.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)))
        {
            foreach (Match match in Instrument().Matches(File.ReadAllText(file)))
            {
                var name = match.Groups["name"].Value.Replace('.', '_');
                var unit = match.Groups["unit"].Success ? match.Groups["unit"].Value : match.Groups["namedUnit"].Value;
                name += unit switch
                {
                    "ms" => "_milliseconds",
                    "s" => "_seconds",
                    "By" => "_bytes",
                    _ => "",
                };
                switch (match.Groups["kind"].Value)
                {
                    case "Counter":
                        names.Add(name + "_total");
                        break;
                    case "Histogram":
                        names.UnionWith([name + "_bucket", name + "_sum", name + "_count"]);
                        break;
                    default:
                        names.Add(name);
                        break;
                }
            }
        }

        return names;
    }

    [GeneratedRegex(@"Create(?<kind>Counter|Histogram|UpDownCounter|Gauge|ObservableGauge|ObservableCounter)<\w+>\(\s*""(?<name>[\w.]+)""(\s*,\s*(unit:\s*)?""(?<unit>[^""]*)"")?(?:[^;]*?unit:\s*""(?<namedUnit>[^""]*)"")?")]
    private static partial Regex Instrument();

    [GeneratedRegex(@"\bnm_[a-z0-9_]+")]
    private static partial Regex NmMetric();
}
