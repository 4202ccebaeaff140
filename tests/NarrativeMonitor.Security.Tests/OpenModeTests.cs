using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults.Security;
using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.Security.Tests;

[Collection(ServersCollection.Name)]
public sealed class OpenModeTests(RedisFixture redis, RabbitMqFixture rabbitMq)
{
    [Theory]
    [InlineData("Kestrel:Endpoints:Grpc:Url", "http://0.0.0.0:{0}")]
    [InlineData("Kestrel:Endpoints:Grpc:Url", "http://*:{0}")]
    [InlineData("Kestrel:Endpoints:Http:Url", "http://[::]:{0}")]
    public async Task Open_mode_refuses_to_start_on_a_non_loopback_binding(string setting, string url)
    {
        var address = string.Format(System.Globalization.CultureInfo.InvariantCulture, url, EmbeddedHost.FreePort());
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq,
            new Dictionary<string, string?> { ["Auth:Mode"] = "Open" },
            builder => builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [setting] = address })));

        Assert.Contains("Auth:Mode is Open", failure.Message);
        Assert.Contains("loopback", failure.Message);
        Assert.Contains($"{setting} is '{address}'", failure.Message);
    }

    [Fact]
    public async Task Open_mode_on_loopback_serves_without_credentials_and_warns()
    {
        var logs = new CapturedLogs();
        await using var app = await SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq,
            new Dictionary<string, string?> { ["Auth:Mode"] = "Open", ["Logging:LogLevel:Default"] = "Information" },
            builder => builder.Logging.AddProvider(logs));
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress());

        var sources = await new IngestService.IngestServiceClient(channel).ListSourcesAsync(new ListSourcesRequest());

        Assert.Empty(sources.Sources);
        Assert.Contains(logs.Entries, e => e.Level == Microsoft.Extensions.Logging.LogLevel.Warning && e.Message.Contains("WITHOUT AUTHENTICATION", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Required_is_the_default_when_auth_mode_is_unset()
    {
        await using var app = await SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq,
            new Dictionary<string, string?> { ["Auth:Mode"] = null });
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress());

        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new IngestService.IngestServiceClient(channel).ListSourcesAsync(new ListSourcesRequest()));

        Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
    }

    [Theory]
    [InlineData("http://127.0.0.1:5001", true)]
    [InlineData("https://127.0.0.9:5001", true)]
    [InlineData("http://localhost:5001", true)]
    [InlineData("http://[::1]:5001", true)]
    [InlineData("http://0.0.0.0:5001", false)]
    [InlineData("http://[::]:5001", false)]
    [InlineData("http://*:5001", false)]
    [InlineData("http://+:5001", false)]
    [InlineData("http://10.0.0.7:5001", false)]
    [InlineData("http://ingest.example:5001", false)]
    public void Loopback_addresses_are_told_from_others(string url, bool loopback) =>
        Assert.Equal(loopback, SecurityExtensions.IsLoopback(url));

    [Fact]
    public async Task A_misconfigured_api_key_stops_the_service_at_start()
    {
        var failure = await Assert.ThrowsAsync<OptionsValidationException>(() => SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq,
            new Dictionary<string, string?>
            {
                ["Auth:Mode"] = "Required",
                ["Auth:ApiKeys:0:Name"] = "feeder",
                ["Auth:ApiKeys:0:Key"] = "short",
                ["Auth:ApiKeys:0:Roles:0"] = "superuser",
            }));

        Assert.Contains("unknown role 'superuser'", failure.Message);
        Assert.Contains("at least 16 characters", failure.Message);
    }
}
