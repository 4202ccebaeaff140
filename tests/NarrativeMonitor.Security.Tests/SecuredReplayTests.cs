using NarrativeMonitor.Cli;
using NarrativeMonitor.ServiceDefaults.Security;
using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.Security.Tests;

/// <summary>The CLI's distributed replay against three services that require credentials, as a deployment runs them.</summary>
[Collection(ServersCollection.Name)]
public sealed class SecuredReplayTests(RedisFixture redis, RabbitMqFixture rabbitMq)
{
    [Fact]
    public async Task Distributed_replay_with_an_operator_api_key_raises_the_alerts_and_without_it_is_refused()
    {
        var authority = new TestAuthority();
        var prefix = RabbitMqFixture.UniquePrefix();
        var settings = authority.Settings();
        await using var ingest = await SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq, settings, prefix: prefix);
        await using var classification = await SecuredHosts.StartAsync(HostedService.Classification, redis, rabbitMq, settings, prefix: prefix);
        await using var alerts = await SecuredHosts.StartAsync(HostedService.Alerts, redis, rabbitMq, settings, prefix: prefix);
        var corpus = Corpus.Load(Path.Combine(RepositoryPaths.Samples, "kursk-2024"));

        var refused = await Assert.ThrowsAsync<Grpc.Core.RpcException>(() => CliCommands.ReplayDistributedAsync(corpus, ingest.GrpcAddress(),
            classification.GrpcAddress(), alerts.GrpcAddress(), rabbitMq.AmqpUri, prefix, CancellationToken.None));
        Assert.Equal(Grpc.Core.StatusCode.Unauthenticated, refused.StatusCode);

        var result = await CliCommands.ReplayDistributedAsync(corpus, ingest.GrpcAddress(), classification.GrpcAddress(), alerts.GrpcAddress(),
            rabbitMq.AmqpUri, prefix, CancellationToken.None, security: new GrpcClientSecurity { ApiKey = authority.ApiKeys["all"] });

        Assert.Empty(result.Errors);
        Assert.Equal(corpus.Articles.Count, result.Accepted);
        Assert.Equal(8, result.Alerts.Count);
    }
}
