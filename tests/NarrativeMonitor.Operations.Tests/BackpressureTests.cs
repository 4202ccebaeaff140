using Grpc.Core;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Ingest;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Operations.Tests;

[Collection(ServersCollection.Name)]
public sealed class BackpressureTests(RedisFixture redis, RabbitMqFixture rabbit)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task Ingest_refuses_while_classification_is_behind_and_accepts_again_once_the_queue_drains_losing_nothing()
    {
        const int bound = 5;
        await using var cluster = new OperationsCluster(redis, rabbit, new Dictionary<string, string?>
        {
            ["Ingest:Backpressure:MaxQueueDepth"] = bound.ToString(),
            ["Ingest:Backpressure:PollInterval"] = "00:00:00.100",
            ["Ingest:Backpressure:RetryAfter"] = "00:00:02",
        });
        await cluster.StartObserverAsync();
        // Classification declares its queues, then stops: what ingest publishes now waits on the broker.
        await cluster.StopAsync(await cluster.StartAsync(HostedService.Classification));
        var ingestApp = await cluster.StartAsync(HostedService.Ingest);
        var ingest = new IngestService.IngestServiceClient(cluster.Channel(ingestApp));
        await OperationsCluster.RegisterSourceAsync(ingest, "wire");

        var accepted = new List<string>();
        RpcException? refusal = null;
        string? refusedId = null;
        var deadline = DateTime.UtcNow + Patience;
        for (var i = 0; refusal is null; i++)
        {
            Assert.True(DateTime.UtcNow < deadline, $"ingest still accepted after {accepted.Count} articles with a bound of {bound}");
            var id = $"bp{i}";
            try
            {
                var response = await ingest.SubmitArticleAsync(new SubmitArticleRequest { Article = OperationsCluster.Article(id, "wire", $"Harvest report {i}") });
                Assert.Equal(SubmissionOutcome.Accepted, response.Outcome);
                accepted.Add(id);
                await Task.Delay(20);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                refusal = ex;
                refusedId = id;
            }
        }

        Assert.True(accepted.Count >= bound, $"refused after {accepted.Count} articles, before the queue reached {bound}");
        Assert.Contains("retry after 2 s", refusal.Status.Detail);
        Assert.Contains(cluster.Queue("article-ingested"), refusal.Status.Detail);
        Assert.Equal("2000", refusal.Trailers.GetValue(IngestError.RetryPushbackTrailer));

        // A stream is refused before anything is read.
        using (var call = ingest.SubmitArticles())
        {
            try
            {
                await call.RequestStream.WriteAsync(new SubmitArticleRequest { Article = OperationsCluster.Article("bp-stream", "wire", "Harvest stream") });
                await call.RequestStream.CompleteAsync();
            }
            catch (Exception ex) when (ex is RpcException or InvalidOperationException)
            {
                // The server may have answered before the write.
            }

            var streamRefusal = await Assert.ThrowsAsync<RpcException>(async () => await call.ResponseAsync);
            Assert.Equal(StatusCode.ResourceExhausted, streamRefusal.StatusCode);
        }

        // Classification comes back: every accepted article comes out, and ingest takes the refused ones as new.
        await cluster.StartAsync(HostedService.Classification);
        await OperationsCluster.EventuallyAsync(() => Task.FromResult(accepted.All(cluster.Classified.Contains)), Patience,
            "every accepted article to be classified");
        SubmitArticleResponse? retried = null;
        await OperationsCluster.EventuallyAsync(async () =>
        {
            try
            {
                retried = await ingest.SubmitArticleAsync(new SubmitArticleRequest { Article = OperationsCluster.Article(refusedId!, "wire", "Harvest report again") });
                return true;
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.ResourceExhausted)
            {
                return false;
            }
        }, Patience, "ingest to accept again");
        Assert.Equal(SubmissionOutcome.Accepted, retried!.Outcome);
        var streamed = await SubmitStreamAsync(ingest, OperationsCluster.Article("bp-stream", "wire", "Harvest stream"));
        Assert.Equal(1, streamed.Accepted);
        await OperationsCluster.EventuallyAsync(() => Task.FromResult(cluster.Classified.Contains(refusedId!) && cluster.Classified.Contains("bp-stream")),
            Patience, "the retried articles to be classified");
        Assert.All(accepted, id => Assert.Equal(1, cluster.Classified.Count(id)));
    }

    [Fact]
    public void The_in_flight_bound_refuses_the_article_beyond_it_until_one_is_released()
    {
        var admission = new IngestAdmission(Options.Create(new BackpressureOptions { MaxInFlightArticles = 2, RetryAfter = TimeSpan.FromSeconds(3) }));
        Assert.Null(admission.TryAdmit());
        Assert.Null(admission.TryAdmit());
        Assert.NotNull(admission.Overloaded());

        var refused = admission.TryAdmit();
        Assert.NotNull(refused);
        Assert.Equal(StatusCode.ResourceExhausted, refused.Code);
        Assert.Equal(TimeSpan.FromSeconds(3), refused.RetryAfter);
        Assert.Equal(2, admission.InFlight);

        admission.Release();
        Assert.Null(admission.Overloaded());
        Assert.Null(admission.TryAdmit());
    }

    [Fact]
    public void Disabled_backpressure_admits_everything()
    {
        var admission = new IngestAdmission(Options.Create(new BackpressureOptions { Enabled = false, MaxInFlightArticles = 1 }));
        Assert.Null(admission.TryAdmit());
        Assert.Null(admission.TryAdmit());
        Assert.Null(admission.Overloaded());
    }

    private static async Task<SubmitArticlesResponse> SubmitStreamAsync(IngestService.IngestServiceClient ingest, Article article)
    {
        using var call = ingest.SubmitArticles();
        await call.RequestStream.WriteAsync(new SubmitArticleRequest { Article = article });
        await call.RequestStream.CompleteAsync();
        return await call.ResponseAsync;
    }
}
