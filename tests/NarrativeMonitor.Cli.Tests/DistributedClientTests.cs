using Microsoft.AspNetCore.Builder;
using NarrativeMonitor.Cli.Client;
using NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Cli.Tests;

/// <summary>
/// The client commands against a distributed deployment: ingest, classification and alert each in a host of its own on
/// real Redis and RabbitMQ, each addressed by its own option (--ingest, --classification, --alerts).
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class DistributedClientTests(RedisFixture redis, RabbitMqFixture rabbit)
{
    [Fact]
    public async Task The_sample_loaded_through_the_cli_into_a_distributed_deployment_raises_its_alerts()
    {
        var settings = ServiceHosts.Distributed(redis.ConnectionString, rabbit.AmqpUri, RabbitMqFixture.UniquePrefix());
        var hosts = new List<WebApplication>();
        try
        {
            foreach (var service in new[] { HostedService.Ingest, HostedService.Classification, HostedService.Alerts })
            {
                var app = ServiceHosts.Build(service, settings);
                await app.StartAsync();
                hosts.Add(app);
            }

            string[] addresses =
            [
                "--ingest", hosts[0].GrpcAddress().ToString(),
                "--classification", hosts[1].GrpcAddress().ToString(),
                "--alerts", hosts[2].GrpcAddress().ToString(),
            ];

            await EmbeddedServer.LoadSampleAsync("tarsel-chlorine-2025", addresses);
            var alerts = await EmbeddedServer.WaitForAlertsAsync(EmbeddedServer.ExpectedAlertCount("tarsel-chlorine-2025"), addresses);

            var claim = (await Cli.RunOkAsync(["claims", "get", "tarsel-chlorine-release", .. addresses])).Out;
            Assert.Contains("N=3 M=2 W=7d", claim);
            using var expected = System.Text.Json.JsonDocument.Parse(await File.ReadAllTextAsync(Cli.Sample("tarsel-chlorine-2025", "expected-alerts.json")));
            Assert.Equal(
                expected.RootElement.EnumerateArray().Select(e => $"{e.GetProperty("source_id").GetString()} {e.GetProperty("kind").GetString()}").Order(StringComparer.Ordinal),
                alerts.Select(a => $"{a.SourceId} {Output.Name(a.Kind)}").Order(StringComparer.Ordinal));

            var denial = alerts.First(a => a.Kind == Protos.Common.V1.AlertKind.Denial && a.State == AlertState.Open);
            await Cli.RunOkAsync(["alerts", "ack", denial.Id, "--note", "seen", "--analyst", "ana", .. addresses]);
            // Without --limit, watch runs until stopped (Ctrl+C); stopped, it exits 0 with what it saw.
            var watch = await Cli.RunForAsync(TimeSpan.FromSeconds(3), ["alerts", "watch", "--from-beginning", "--json", .. addresses]);
            Assert.Equal(ExitCodes.Ok, watch.ExitCode);
            var events = watch.OutLines.Select(AlertEvent.Parser.ParseJson).ToList();
            var last = events[^1];
            Assert.Equal((AlertEventType.Acknowledged, denial.Id, "ana"), (last.Type, last.Alert.Id, last.Alert.AcknowledgedBy));
        }
        finally
        {
            foreach (var host in hosts)
            {
                await host.StopAsync();
                await host.DisposeAsync();
            }
        }
    }
}
