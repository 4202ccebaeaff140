using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.Fuzz.Tests;

/// <summary>The services bound by UndecodableRequests' method provider instead of grpc-dotnet's still serve health and reflection.</summary>
[Collection(ServersCollection.Name)]
public sealed class BindingTests(RedisFixture redis, RabbitMqFixture rabbit)
{
    [Fact]
    public async Task Health_and_reflection_answer_and_reflection_lists_the_services_each_host_implements()
    {
        await using var cluster = await FuzzCluster.StartAsync(redis, rabbit);
        var expected = new Dictionary<ServiceHost, string[]>
        {
            [ServiceHost.Ingest] = ["narrativemonitor.ingest.v1.IngestService", "narrativemonitor.ingest.v1.FeedService"],
            [ServiceHost.Classification] = ["narrativemonitor.classification.v1.ClassificationService"],
            [ServiceHost.Alerts] = ["narrativemonitor.alerts.v1.AlertService"],
        };
        foreach (var (host, services) in expected)
        {
            using var channel = GrpcChannel.ForAddress(cluster.Address(host));
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest { Service = "liveness" });
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

            using var call = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
            await call.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None));
            var listed = call.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name).ToList();
            Assert.All(services.Append("grpc.health.v1.Health"), s => Assert.Contains(s, listed));
        }
    }
}
