using System.Threading.Channels;
using Grpc.Core;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.Testing;
using Article = NarrativeMonitor.Protos.Ingest.V1.Article;

namespace NarrativeMonitor.Ingest.Tests;

/// <summary>A client stream the test writes to while the call runs, to see what ingest does while the stream stays open.</summary>
public sealed class ChannelStreamReader<T> : IAsyncStreamReader<T> where T : class
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>();

    public ChannelWriter<T> Writer => _channel.Writer;

    public T Current { get; private set; } = null!;

    public async Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        if (!await _channel.Reader.WaitToReadAsync(cancellationToken))
        {
            return false;
        }

        Current = await _channel.Reader.ReadAsync(cancellationToken);
        return true;
    }
}

/// <summary>Batched publishing of SubmitArticles streams (Ingest:PublishBatchSize 10, Ingest:MaxConcurrentPublishes 4).</summary>
public abstract class IngestBatchTests : IAsyncLifetime
{
    private const int BatchSize = 10;
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;
    private PublishFailures _failures = null!;

    protected abstract void ConfigureStorage(IDictionary<string, string?> configuration);

    public async Task InitializeAsync()
    {
        var configuration = new Dictionary<string, string?>
        {
            ["Ingest:MaxConcurrentPublishes"] = "4",
            ["Ingest:PublishBatchSize"] = BatchSize.ToString(),
            ["Ingest:PublishLinger"] = "00:00:00.050",
        };
        ConfigureStorage(configuration);
        (_provider, _harness, _failures) = await IngestTestHost.StartAsync(configuration, new ManualTimeProvider(Samples.Now));

        await Service().RegisterSource(new RegisterSourceRequest { Source = Samples.Tass.ToProto() }, new TestServerCallContext());
        await Service().RegisterSource(new RegisterSourceRequest { Source = Samples.Reuters.ToProto() }, new TestServerCallContext());
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    private IngestGrpcService Service() => ActivatorUtilities.CreateInstance<IngestGrpcService>(_provider.CreateScope().ServiceProvider);

    private Task<SubmitArticlesResponse> SubmitStream(IEnumerable<Article> articles) =>
        Service().SubmitArticles(new TestAsyncStreamReader<SubmitArticleRequest>(articles.Select(a => new SubmitArticleRequest { Article = a })), new TestServerCallContext());

    /// <summary>The batches that reached the transport, ordered by where their first article stood in the stream.</summary>
    private List<ArticleBatchIngested> Batches(IReadOnlyList<string> streamOrder) =>
        _harness.Published.Select<ArticleBatchIngested>().Where(m => m.Exception is null).Select(m => m.Context.Message)
            .OrderBy(b => IndexOf(streamOrder, b.Articles[0].ArticleId)).ToList();

    private static int IndexOf(IReadOnlyList<string> ids, string id) => ids.ToList().IndexOf(id);

    private static Article NumberedArticle(int n, string sourceId = "tass") => Samples.Article(
        url: $"https://{sourceId}.example/batch/{n}",
        title: $"Batched report {n}",
        body: $"Body of batched report {n}: fighting in the Kursk region continued.",
        sourceId: sourceId);

    private static string IdOf(Article article) => ArticleValidator.DeriveId(article.SourceId, article.Url);

    [Fact]
    public async Task A_stream_is_published_in_full_batches_with_its_articles_in_stream_order()
    {
        var articles = Enumerable.Range(0, 25).Select(n => NumberedArticle(n, n % 3 == 0 ? "reuters" : "tass")).ToArray();
        var ids = articles.Select(IdOf).ToArray();

        var response = await SubmitStream(articles);

        Assert.Equal(25, response.Accepted);
        Assert.Equal(ids, response.Results.Select(r => r.ArticleId));
        var batches = Batches(ids);
        Assert.Equal([10, 10, 5], batches.Select(b => b.Articles.Count));
        Assert.Equal(ids, batches.SelectMany(b => b.Articles).Select(a => a.ArticleId));
        Assert.All(batches.SelectMany(b => b.Articles), a => Assert.Equal(a.SourceId == "tass" ? SourceKind.StateMedia : SourceKind.Wire, a.SourceKind));
        Assert.Empty(_harness.Published.Select<ArticleIngested>());
    }

    [Fact]
    public async Task A_duplicate_or_invalid_article_in_the_middle_is_left_out_of_the_batch()
    {
        var articles = Enumerable.Range(0, 12).Select(n => NumberedArticle(n)).ToArray();
        articles[4].Title = " ";
        articles[7] = NumberedArticle(1);
        var ids = articles.Select(IdOf).ToArray();

        var response = await SubmitStream(articles);

        Assert.Equal((10, 1, 1), (response.Accepted, response.Duplicates, response.Rejected));
        Assert.Equal(SubmissionOutcome.Rejected, response.Results[4].Outcome);
        Assert.Equal(SubmissionOutcome.Duplicate, response.Results[7].Outcome);
        var batch = Assert.Single(Batches(ids));
        Assert.Equal(ids.Where((_, i) => i is not (4 or 7)), batch.Articles.Select(a => a.ArticleId));
    }

    [Fact]
    public async Task A_failed_batch_publish_answers_each_of_its_articles_unavailable_and_their_retry_is_accepted()
    {
        var articles = Enumerable.Range(0, 25).Select(n => NumberedArticle(n)).ToArray();
        var ids = articles.Select(IdOf).ToArray();
        _failures.ArticleIds[ids[13]] = true;

        var response = await SubmitStream(articles);

        Assert.Equal((15, 0, 10), (response.Accepted, response.Duplicates, response.Rejected));
        for (var i = 0; i < articles.Length; i++)
        {
            var result = response.Results[i];
            if (i is >= 10 and < 20)
            {
                Assert.Equal(SubmissionOutcome.Rejected, result.Outcome);
                Assert.Equal(ids[i], result.ArticleId);
                Assert.Equal((int)StatusCode.Unavailable, result.StatusCode);
                Assert.Equal("article", result.Field);
            }
            else
            {
                Assert.Equal(SubmissionOutcome.Accepted, result.Outcome);
            }
        }

        Assert.Equal(ids.Where((_, i) => i is < 10 or >= 20), Batches(ids).SelectMany(b => b.Articles).Select(a => a.ArticleId));

        // Every claim of the failed batch was given back: the retry is accepted, not answered DUPLICATE.
        var retry = await SubmitStream(articles[10..20]);
        Assert.Equal(10, retry.Accepted);
        Assert.Equal(ids.Order(), Batches(ids).SelectMany(b => b.Articles).Select(a => a.ArticleId).Order());
    }

    [Fact]
    public async Task A_partial_batch_is_published_after_the_linger_while_the_stream_stays_open()
    {
        var stream = new ChannelStreamReader<SubmitArticleRequest>();
        var articles = Enumerable.Range(0, 5).Select(n => NumberedArticle(n)).ToArray();
        foreach (var article in articles[..3])
        {
            await stream.Writer.WriteAsync(new SubmitArticleRequest { Article = article });
        }

        var call = Service().SubmitArticles(stream, new TestServerCallContext());

        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!_harness.Published.Select<ArticleBatchIngested>().Any() && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        var first = Assert.Single(_harness.Published.Select<ArticleBatchIngested>()).Context.Message;
        Assert.Equal(articles[..3].Select(IdOf), first.Articles.Select(a => a.ArticleId));
        Assert.False(call.IsCompleted);

        foreach (var article in articles[3..])
        {
            await stream.Writer.WriteAsync(new SubmitArticleRequest { Article = article });
        }

        stream.Writer.Complete();
        var response = await call;

        Assert.Equal(5, response.Accepted);
        var ids = articles.Select(IdOf).ToArray();
        Assert.Equal([3, 2], Batches(ids).Select(b => b.Articles.Count));
    }

    [Fact]
    public async Task A_stream_keeps_several_batches_in_flight_but_no_more_than_configured()
    {
        _failures.Hold = TimeSpan.FromMilliseconds(30);

        var response = await SubmitStream(Enumerable.Range(0, 120).Select(n => NumberedArticle(n)));

        Assert.Equal(120, response.Accepted);
        Assert.Equal(12, _harness.Published.Select<ArticleBatchIngested>().Count());
        Assert.InRange(_failures.MaxInFlight, 2, 4);
    }
}

public sealed class InMemoryIngestBatchTests : IngestBatchTests
{
    protected override void ConfigureStorage(IDictionary<string, string?> configuration) =>
        configuration["Storage:Provider"] = "InMemory";
}

[Collection(RedisCollection.Name)]
public sealed class RedisIngestBatchTests(RedisFixture redis) : IngestBatchTests
{
    protected override void ConfigureStorage(IDictionary<string, string?> configuration)
    {
        configuration["Storage:Provider"] = "Redis";
        configuration["Storage:RedisConnection"] = redis.ConnectionString;
        configuration["Storage:KeyPrefix"] = RedisFixture.UniquePrefix();
    }
}
