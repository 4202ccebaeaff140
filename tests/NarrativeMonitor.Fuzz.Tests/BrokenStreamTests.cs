using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.Testing;
using Xunit;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.Fuzz.Tests;

[Collection(ServersCollection.Name)]
public sealed class BrokenStreamTests(RedisFixture redis, RabbitMqFixture rabbit)
{
    private const int Articles = 150;

    [Fact]
    public async Task A_stream_broken_by_an_undecodable_item_answers_InvalidArgument_and_loses_no_article_it_took()
    {
        await using var cluster = await FuzzCluster.StartAsync(redis, rabbit);
        await cluster.IngestClient.RegisterSourceAsync(new RegisterSourceRequest
        {
            Source = new Source { Id = "wire", Name = "Wire", Kind = ProtoSourceKind.Wire, Country = "XX", Language = "en" },
        });
        var random = new Random(3);
        var vocabulary = Enumerable.Range(0, 800).Select(i => $"w{i:x3}{(char)('a' + i % 26)}").ToArray();
        var articles = Enumerable.Range(0, Articles).Select(i => new Article
        {
            Id = $"stream-{i}",
            SourceId = "wire",
            Url = $"https://wire.example/{i}",
            PublishedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 11, 1, 0, 0, 0, TimeSpan.Zero).AddMinutes(i)),
            Title = $"Item {i}",
            Body = string.Join(' ', Enumerable.Range(0, 60).Select(_ => vocabulary[random.Next(vocabulary.Length)])),
        }).ToList();

        // All the articles, then an item protobuf cannot decode: the ingest batches of 100 already handed to the broker
        // stay accepted, the open batch is given back.
        var body = RawGrpcClient.Frames(articles.Select(a => new SubmitArticleRequest { Article = a }.ToByteArray()))
            .Concat(RawGrpcClient.Frame(HostileMessages.NestedGroups(200))).ToArray();
        using var raw = new RawGrpcClient();
        var outcome = await raw.SendAsync(cluster.Address(ServiceHost.Ingest), "/narrativemonitor.ingest.v1.IngestService/SubmitArticles",
            new RawRequest(body), TimeSpan.FromSeconds(60));
        Assert.Equal(StatusCode.InvalidArgument, outcome.Status);
        Assert.StartsWith("request: not a valid SubmitArticleRequest message", outcome.Message, StringComparison.Ordinal);

        // The client, not knowing which went through, sends them all again: each is either taken now or was taken before.
        var outcomes = new List<SubmissionOutcome>();
        foreach (var article in articles)
        {
            outcomes.Add((await cluster.IngestClient.SubmitArticleAsync(new SubmitArticleRequest { Article = article })).Outcome);
        }

        Assert.All(outcomes, o => Assert.True(o is SubmissionOutcome.Accepted or SubmissionOutcome.Duplicate, o.ToString()));
        // The first batch of 100 had gone to the broker before the stream broke, so some are duplicates now.
        Assert.Contains(SubmissionOutcome.Duplicate, outcomes);
        foreach (var article in articles)
        {
            await cluster.Progress.WaitForEvaluationAsync(article.Id, TimeSpan.FromSeconds(120), CancellationToken.None);
        }
    }
}
