using Grpc.Core;
using Grpc.Net.Client;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults.Security;
using NarrativeMonitor.Testing;
using Xunit;
using Xunit.Abstractions;

namespace NarrativeMonitor.Security.Tests;

[Collection(ServersCollection.Name)]
public sealed class RateLimitTests(RedisFixture redis, RabbitMqFixture rabbitMq, ITestOutputHelper output)
{
    [Fact]
    public async Task A_client_over_its_ingest_limit_gets_resource_exhausted_with_a_retry_hint_and_others_are_unaffected()
    {
        var authority = new TestAuthority();
        var settings = authority.Settings();
        settings["RateLimiting:Ingest:TokenLimit"] = "3";
        settings["RateLimiting:Ingest:TokensPerPeriod"] = "1";
        // Long enough that no token comes back during the test, so the count is exact.
        settings["RateLimiting:Ingest:ReplenishmentPeriod"] = "00:05:00";
        await using var app = await SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq, settings);
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress());
        var client = new IngestService.IngestServiceClient(channel);
        var greedy = TestAuthority.Bearer(authority.Token(["ingest"], subject: "greedy-feeder"));

        // Invalid (empty) articles: answered InvalidArgument, yet each call spends a token.
        for (var i = 0; i < 3; i++)
        {
            var admitted = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitArticleAsync(new SubmitArticleRequest(), greedy));
            Assert.Equal(StatusCode.InvalidArgument, admitted.StatusCode);
        }

        var limited = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitArticleAsync(new SubmitArticleRequest(), greedy));
        Assert.Equal(StatusCode.ResourceExhausted, limited.StatusCode);
        var retryAfter = long.Parse(limited.Trailers.GetValue(SecurityExtensions.RetryAfterMetadata)!, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(retryAfter, 1, 5 * 60 * 1000);
        var status = Grpc.Core.RpcExceptionExtensions.GetRpcStatus(limited);
        Assert.NotNull(status);
        var retryInfo = status.GetDetail<Google.Rpc.RetryInfo>();
        Assert.NotNull(retryInfo);
        Assert.Equal(retryAfter, (long)retryInfo.RetryDelay.ToTimeSpan().TotalMilliseconds);
        output.WriteLine($"4th call: {limited.StatusCode} '{limited.Status.Detail}', retry-after-ms {retryAfter}");

        // The client stream counts against the same bucket.
        using var stream = client.SubmitArticles(greedy);
        await stream.RequestStream.CompleteAsync();
        var streamLimited = await Assert.ThrowsAsync<RpcException>(async () => await stream.ResponseAsync);
        Assert.Equal(StatusCode.ResourceExhausted, streamLimited.StatusCode);

        // Another token subject, an API key account and the same subject on other methods are not limited.
        var other = TestAuthority.Bearer(authority.Token(["ingest"], subject: "polite-feeder"));
        var otherResult = await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitArticleAsync(new SubmitArticleRequest(), other));
        Assert.Equal(StatusCode.InvalidArgument, otherResult.StatusCode);
        var keyResult = await Assert.ThrowsAsync<RpcException>(async () =>
            await client.SubmitArticleAsync(new SubmitArticleRequest(), TestAuthority.ApiKey(authority.ApiKeys["ingest"])));
        Assert.Equal(StatusCode.InvalidArgument, keyResult.StatusCode);
        var sources = await client.ListSourcesAsync(new ListSourcesRequest(), TestAuthority.Bearer(authority.Token(["admin"], subject: "greedy-feeder")));
        Assert.Empty(sources.Sources);
    }

    [Fact]
    public async Task Without_credentials_in_open_mode_the_limit_is_per_remote_address()
    {
        await using var app = await SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq, new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Open",
            ["RateLimiting:Ingest:TokenLimit"] = "2",
            ["RateLimiting:Ingest:TokensPerPeriod"] = "1",
            ["RateLimiting:Ingest:ReplenishmentPeriod"] = "00:05:00",
        });
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress());
        var client = new IngestService.IngestServiceClient(channel);

        var statuses = new List<StatusCode>();
        for (var i = 0; i < 3; i++)
        {
            statuses.Add((await Assert.ThrowsAsync<RpcException>(async () => await client.SubmitArticleAsync(new SubmitArticleRequest()))).StatusCode);
        }

        Assert.Equal([StatusCode.InvalidArgument, StatusCode.InvalidArgument, StatusCode.ResourceExhausted], statuses);
    }
}
