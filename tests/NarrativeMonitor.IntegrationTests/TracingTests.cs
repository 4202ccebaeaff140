using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using NarrativeMonitor.Protos.Common.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.Testing;
using Xunit;
using Xunit.Abstractions;

namespace NarrativeMonitor.IntegrationTests;

[Collection(ServersCollection.Name)]
public sealed class TracingTests(RedisFixture redis, RabbitMqFixture rabbit, ITestOutputHelper output)
{
    [Fact]
    public async Task One_trace_follows_an_article_from_the_grpc_call_through_rabbitmq_to_the_alert_evaluation()
    {
        var activities = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "MassTransit" or "Microsoft.AspNetCore" or "NarrativeMonitor",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);

        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit);
        await cluster.IngestClient.RegisterSourceAsync(new RegisterSourceRequest
        {
            Source = new Source { Id = "wire", Name = "Wire", Kind = SourceKind.Wire, Country = "GB", Language = "en" },
        });
        var article = new Article
        {
            Id = "traced-1",
            SourceId = "wire",
            Url = "https://wire.example/traced-1",
            PublishedAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddHours(-1)),
            Title = "Markets steady",
            Body = "Markets were steady on Tuesday as traders awaited inflation figures.",
        };
        await cluster.IngestClient.SubmitArticleAsync(new SubmitArticleRequest { Article = article });
        await cluster.Progress.WaitForEvaluationAsync("traced-1", TimeSpan.FromSeconds(60), CancellationToken.None);
        await Task.Delay(500);

        var submit = activities.Single(a => a.DisplayName == "ingest.submit" && (string?)a.GetTagItem("nm.article.id") == "traced-1");
        var trace = activities.Where(a => a.TraceId == submit.TraceId).ToList();
        foreach (var activity in trace)
        {
            output.WriteLine($"{activity.Source.Name}: {activity.DisplayName} ({activity.Kind})");
        }

        Assert.Contains(trace, a => a.Source.Name == "Microsoft.AspNetCore" && a.DisplayName.EndsWith("IngestService/SubmitArticle", StringComparison.Ordinal));
        Assert.Contains(trace, a => a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Consumer && a.DisplayName.EndsWith("article-ingested process", StringComparison.Ordinal));
        Assert.Contains(trace, a => a.Source.Name == "MassTransit" && a.Kind == ActivityKind.Consumer && a.DisplayName.EndsWith("article-classified process", StringComparison.Ordinal));
    }
}
