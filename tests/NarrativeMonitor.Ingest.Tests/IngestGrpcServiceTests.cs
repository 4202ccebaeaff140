using System.Collections.Concurrent;
using System.Diagnostics;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;
using NarrativeMonitor.Testing;
using Article = NarrativeMonitor.Protos.Ingest.V1.Article;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.Ingest.Tests;

/// <summary>Which articles the broker refuses, once each: set by a test, applied by <see cref="FailingPublishFilter{T}"/>.</summary>
public sealed class PublishFailures
{
    private int _inFlight;

    public ConcurrentDictionary<string, bool> ArticleIds { get; } = new();

    /// <summary>When set, every publish is held this long, so the publishes a stream keeps in flight can be counted.</summary>
    public TimeSpan? Hold { get; set; }

    public int MaxInFlight { get; private set; }

    public async Task HoldAsync()
    {
        if (Hold is not { } hold)
        {
            return;
        }

        var inFlight = Interlocked.Increment(ref _inFlight);
        lock (this)
        {
            MaxInFlight = Math.Max(MaxInFlight, inFlight);
        }

        await Task.Delay(hold);
        Interlocked.Decrement(ref _inFlight);
    }
}

public sealed class FailingPublishFilter<T>(PublishFailures failures) : IFilter<PublishContext<T>> where T : class
{
    public async Task Send(PublishContext<T> context, IPipe<PublishContext<T>> next)
    {
        var refused = context.Message switch
        {
            ArticleIngested article => failures.ArticleIds.TryRemove(article.ArticleId, out _),
            // Count, not Any: every listed article of the batch is refused once, with the batch.
            ArticleBatchIngested batch => batch.Articles.Count(article => failures.ArticleIds.TryRemove(article.ArticleId, out _)) > 0,
            _ => false,
        };
        if (refused)
        {
            throw new InvalidOperationException("The broker refused the message (test).");
        }

        await failures.HoldAsync();
        await next.Send(context);
    }

    public void Probe(ProbeContext context) => context.CreateFilterScope("failing-publish");
}

/// <summary>Ingest's services on MassTransit's test harness, behind a publish filter that refuses what <see cref="PublishFailures"/> says.</summary>
public static class IngestTestHost
{
    public static async Task<(ServiceProvider Provider, ITestHarness Harness, PublishFailures Failures)> StartAsync(
        IDictionary<string, string?> configuration, TimeProvider clock)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddSingleton(clock);
        builder.Services.AddLogging();
        builder.AddIngestServices();
        builder.Services.AddSingleton<PublishFailures>();
        builder.Services.AddMassTransitTestHarness(bus =>
        {
            bus.AddIngestConsumers();
            bus.UsingInMemory((context, cfg) =>
            {
                cfg.UsePublishFilter(typeof(FailingPublishFilter<>), context);
                cfg.ConfigureEndpoints(context);
            });
        });
        var provider = builder.Services.BuildServiceProvider();
        var harness = provider.GetRequiredService<ITestHarness>();
        await harness.Start();
        return (provider, harness, provider.GetRequiredService<PublishFailures>());
    }
}

public abstract class IngestGrpcServiceTests : IAsyncLifetime
{
    private readonly ManualTimeProvider _clock = new(Samples.Now);
    private readonly ConcurrentQueue<Activity> _activities = new();
    private ActivityListener? _listener;
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;
    private PublishFailures _failures = null!;

    protected abstract void ConfigureStorage(IDictionary<string, string?> configuration);

    public async Task InitializeAsync()
    {
        // One article per batch: these tests pin the per-article behaviour of a stream; IngestBatchTests cover batching.
        var configuration = new Dictionary<string, string?> { ["Ingest:MaxConcurrentPublishes"] = "4", ["Ingest:PublishBatchSize"] = "1" };
        ConfigureStorage(configuration);
        (_provider, _harness, _failures) = await IngestTestHost.StartAsync(configuration, _clock);

        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == Telemetry.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = _activities.Enqueue,
        };
        ActivitySource.AddActivityListener(_listener);

        await Service().RegisterSource(new RegisterSourceRequest { Source = Samples.Tass.ToProto() }, new TestServerCallContext());
        await Service().RegisterSource(new RegisterSourceRequest { Source = Samples.Reuters.ToProto() }, new TestServerCallContext());
    }

    public async Task DisposeAsync()
    {
        _listener?.Dispose();
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    /// <summary>A service instance in a scope of its own, as gRPC creates one per call.</summary>
    private IngestGrpcService Service()
    {
        var scope = _provider.CreateScope();
        return ActivatorUtilities.CreateInstance<IngestGrpcService>(scope.ServiceProvider);
    }

    /// <summary>Every article published, alone (unary submits) or in a batch (streams).</summary>
    private List<ArticleIngested> Published() =>
    [
        .. _harness.Published.Select<ArticleIngested>().Where(m => m.Exception is null).Select(m => m.Context.Message),
        .. _harness.Published.Select<ArticleBatchIngested>().Where(m => m.Exception is null).SelectMany(m => m.Context.Message.Articles),
    ];

    private static SubmitArticleRequest Request(Article article) => new() { Article = article };

    private Task<SubmitArticleResponse> Submit(Article article) => Service().SubmitArticle(Request(article), new TestServerCallContext());

    private Task<SubmitArticlesResponse> SubmitStream(params Article[] articles) =>
        Service().SubmitArticles(new TestAsyncStreamReader<SubmitArticleRequest>(articles.Select(Request)), new TestServerCallContext());

    private static Article NumberedArticle(int n, string sourceId = "tass") => Samples.Article(
        url: $"https://{sourceId}.example/news/{n}",
        title: $"Report number {n}",
        body: $"Body of report {n}: fighting in the Kursk region continued.",
        sourceId: sourceId);

    [Fact]
    public async Task An_accepted_article_is_published_once_with_its_source_kind_and_normalized_fields()
    {
        _clock.Advance(TimeSpan.FromSeconds(5));
        var article = Samples.Article(url: "HTTPS://TASS.ru:443/politika/1?utm_source=tg#x", title: "  Fighting   continues ");

        var response = await Submit(article);

        Assert.Equal(SubmissionOutcome.Accepted, response.Outcome);
        Assert.Equal("", response.DuplicateOf);
        Assert.Equal(ArticleValidator.DeriveId("tass", "https://tass.ru/politika/1"), response.ArticleId);
        var published = Assert.Single(Published());
        Assert.Equal(response.ArticleId, published.ArticleId);
        Assert.Equal("tass", published.SourceId);
        Assert.Equal(SourceKind.StateMedia, published.SourceKind);
        Assert.Equal("https://tass.ru/politika/1", published.Url);
        Assert.Equal("Fighting continues", published.Title);
        Assert.Equal(Samples.Now.AddHours(-2), published.PublishedAt);
        Assert.Equal(Samples.Now.AddSeconds(5), published.IngestedAt);
        Assert.Equal("ru", published.Language);
        Assert.Equal(TextNormalizer.ContentHash(published.Title, published.Body), published.ContentHash);
    }

    [Fact]
    public async Task A_resubmitted_or_reformatted_article_is_a_duplicate_and_not_published_again()
    {
        var first = await Submit(Samples.Article(id: "tass-1"));

        var again = await Submit(Samples.Article(id: "tass-1"));
        var sameUrl = await Submit(Samples.Article(url: "https://tass.ru/politika/1?utm_medium=rss", title: "Updated title", body: "Updated body."));
        var copy = await Submit(Samples.Article(url: "https://tass.ru/copy", title: Samples.Article().Title.ToUpperInvariant()));

        Assert.Equal(SubmissionOutcome.Accepted, first.Outcome);
        Assert.All([again, sameUrl, copy], response =>
        {
            Assert.Equal(SubmissionOutcome.Duplicate, response.Outcome);
            Assert.Equal("tass-1", response.DuplicateOf);
        });
        Assert.NotEqual("tass-1", copy.ArticleId);
        Assert.Equal("tass-1", Assert.Single(Published()).ArticleId);
    }

    [Fact]
    public async Task An_invalid_article_fails_with_invalid_argument_naming_the_field_and_is_not_published()
    {
        var error = await Assert.ThrowsAsync<RpcException>(() => Submit(Samples.Article(url: "ftp://tass.ru/1")));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("article.url: ", error.Status.Detail);

        var unknown = await Assert.ThrowsAsync<RpcException>(() => Submit(Samples.Article(sourceId: "rt")));
        Assert.Equal(StatusCode.InvalidArgument, unknown.StatusCode);
        Assert.Equal("article.source_id: unknown source 'rt'", unknown.Status.Detail);

        var missing = await Assert.ThrowsAsync<RpcException>(() => Service().SubmitArticle(new SubmitArticleRequest(), new TestServerCallContext()));
        Assert.Equal("article: is required", missing.Status.Detail);

        Assert.Empty(Published());
    }

    [Fact]
    public async Task A_publish_failure_answers_unavailable_and_the_retry_is_accepted()
    {
        var article = Samples.Article(id: "flaky-1");
        _failures.ArticleIds["flaky-1"] = true;

        var error = await Assert.ThrowsAsync<RpcException>(() => Submit(article));
        Assert.Equal(StatusCode.Unavailable, error.StatusCode);
        Assert.Empty(Published());

        var retry = await Submit(article);
        Assert.Equal(SubmissionOutcome.Accepted, retry.Outcome);
        Assert.Equal("flaky-1", Assert.Single(Published()).ArticleId);

        Assert.Equal(SubmissionOutcome.Duplicate, (await Submit(article)).Outcome);
    }

    [Fact]
    public async Task A_stream_with_a_bad_article_in_the_middle_keeps_the_others_in_order()
    {
        var bad = NumberedArticle(3);
        bad.Title = " ";
        var response = await SubmitStream(NumberedArticle(1), NumberedArticle(2), bad, NumberedArticle(4), NumberedArticle(1));

        Assert.Equal([0, 1, 2, 3, 4], response.Results.Select(r => r.Index));
        Assert.Equal(
            [SubmissionOutcome.Accepted, SubmissionOutcome.Accepted, SubmissionOutcome.Rejected, SubmissionOutcome.Accepted, SubmissionOutcome.Duplicate],
            response.Results.Select(r => r.Outcome));
        var rejected = response.Results[2];
        Assert.Equal((int)StatusCode.InvalidArgument, rejected.StatusCode);
        Assert.Equal("article.title", rejected.Field);
        Assert.Equal("article.title: is required", rejected.Error);
        Assert.Equal(response.Results[0].ArticleId, response.Results[4].DuplicateOf);
        Assert.All(response.Results.Where(r => r.Outcome != SubmissionOutcome.Rejected), r => Assert.Equal(0, r.StatusCode));
        Assert.Equal((3, 1, 1), (response.Accepted, response.Duplicates, response.Rejected));
        Assert.Equal(
            new[] { 0, 1, 3 }.Select(i => response.Results[i].ArticleId).Order(),
            Published().Select(p => p.ArticleId).Order());
    }

    [Fact]
    public async Task A_long_stream_is_answered_in_stream_order_with_bounded_concurrency()
    {
        var articles = Enumerable.Range(0, 300).Select(n => NumberedArticle(n, n % 2 == 0 ? "tass" : "reuters")).ToArray();

        var response = await SubmitStream(articles);

        Assert.Equal(300, response.Accepted);
        for (var i = 0; i < articles.Length; i++)
        {
            Assert.Equal(i, response.Results[i].Index);
            Assert.Equal(ArticleValidator.DeriveId(articles[i].SourceId, articles[i].Url), response.Results[i].ArticleId);
        }

        var published = Published();
        Assert.Equal(300, published.Count);
        Assert.Equal(300, published.Select(p => p.ArticleId).Distinct().Count());
        Assert.All(published, p => Assert.Equal(p.SourceId == "tass" ? SourceKind.StateMedia : SourceKind.Wire, p.SourceKind));
    }

    [Fact]
    public async Task A_stream_keeps_several_publishes_in_flight_but_no_more_than_configured()
    {
        _failures.Hold = TimeSpan.FromMilliseconds(30);

        var response = await SubmitStream(Enumerable.Range(0, 24).Select(n => NumberedArticle(n)).ToArray());

        Assert.Equal(24, response.Accepted);
        // Ingest:MaxConcurrentPublishes is 4 in these tests.
        Assert.InRange(_failures.MaxInFlight, 2, 4);
    }

    [Fact]
    public async Task A_publish_failure_in_a_stream_rejects_that_article_as_unavailable_and_its_retry_is_accepted()
    {
        var articles = Enumerable.Range(0, 5).Select(n => NumberedArticle(n)).ToArray();
        var failingId = ArticleValidator.DeriveId("tass", articles[2].Url);
        _failures.ArticleIds[failingId] = true;

        var response = await SubmitStream(articles);

        Assert.Equal((4, 0, 1), (response.Accepted, response.Duplicates, response.Rejected));
        var failed = response.Results[2];
        Assert.Equal(SubmissionOutcome.Rejected, failed.Outcome);
        Assert.Equal(failingId, failed.ArticleId);
        Assert.Equal((int)StatusCode.Unavailable, failed.StatusCode);
        Assert.Equal("article", failed.Field);
        Assert.DoesNotContain(failingId, Published().Select(p => p.ArticleId));

        var retry = await SubmitStream(articles[2]);
        Assert.Equal(SubmissionOutcome.Accepted, retry.Results[0].Outcome);
        Assert.Equal(5, Published().Count);
    }

    [Fact]
    public async Task Re_registering_a_source_takes_effect_for_the_next_article_at_once()
    {
        await Submit(NumberedArticle(1));
        await Service().RegisterSource(
            new RegisterSourceRequest { Source = (Samples.Tass with { Kind = SourceKind.Official }).ToProto() }, new TestServerCallContext());
        await Submit(NumberedArticle(2));

        var kinds = Published().OrderBy(p => p.Url, StringComparer.Ordinal).Select(p => p.SourceKind);
        Assert.Equal([SourceKind.StateMedia, SourceKind.Official], kinds);
    }

    [Fact]
    public async Task Register_source_answers_the_normalized_source_and_list_is_ordered_and_filtered()
    {
        var registered = await Service().RegisterSource(new RegisterSourceRequest
        {
            Source = new Source { Id = "isw", Name = " ISW ", Kind = ProtoSourceKind.Analysis, Country = "us", Language = "EN" },
        }, new TestServerCallContext());
        Assert.Equal(new Source { Id = "isw", Name = "ISW", Kind = ProtoSourceKind.Analysis, Country = "US", Language = "en" }, registered);

        var all = await Service().ListSources(new ListSourcesRequest(), new TestServerCallContext());
        Assert.Equal(["isw", "reuters", "tass"], all.Sources.Select(s => s.Id));
        var state = await Service().ListSources(new ListSourcesRequest { Kind = ProtoSourceKind.StateMedia }, new TestServerCallContext());
        Assert.Equal(["tass"], state.Sources.Select(s => s.Id));

        var error = await Assert.ThrowsAsync<RpcException>(() => Service().RegisterSource(new RegisterSourceRequest
        {
            Source = new Source { Id = "rt", Name = "RT", Country = "RU", Language = "ru" },
        }, new TestServerCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal("source.kind: must be specified", error.Status.Detail);

        var badKind = await Assert.ThrowsAsync<RpcException>(() =>
            Service().ListSources(new ListSourcesRequest { Kind = (ProtoSourceKind)99 }, new TestServerCallContext()));
        Assert.StartsWith("kind: ", badKind.Status.Detail);
    }

    [Fact]
    public async Task Each_submission_records_an_ingest_submit_activity_with_its_outcome()
    {
        var accepted = await Submit(Samples.Article(id: "traced-1"));
        await Submit(Samples.Article(id: "traced-1"));

        var traced = _activities.Where(a => a.OperationName == "ingest.submit" && (string?)a.GetTagItem("nm.article.id") == "traced-1").ToList();
        Assert.Equal(["Accepted", "Duplicate"], traced.Select(a => (string?)a.GetTagItem("nm.ingest.outcome")));
        Assert.Equal(SubmissionOutcome.Accepted, accepted.Outcome);
    }

    [Fact]
    public async Task A_cancelled_call_leaves_no_claim_behind()
    {
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            Service().SubmitArticles(new TestAsyncStreamReader<SubmitArticleRequest>([Request(NumberedArticle(1))]), new TestServerCallContext(cancelled.Token)));

        Assert.Equal(SubmissionOutcome.Accepted, (await Submit(NumberedArticle(1))).Outcome);
    }
}

public sealed class InMemoryIngestGrpcServiceTests : IngestGrpcServiceTests
{
    protected override void ConfigureStorage(IDictionary<string, string?> configuration) =>
        configuration["Storage:Provider"] = "InMemory";
}

[Collection(RedisCollection.Name)]
public sealed class RedisIngestGrpcServiceTests(RedisFixture redis) : IngestGrpcServiceTests
{
    protected override void ConfigureStorage(IDictionary<string, string?> configuration)
    {
        configuration["Storage:Provider"] = "Redis";
        configuration["Storage:RedisConnection"] = redis.ConnectionString;
        configuration["Storage:KeyPrefix"] = RedisFixture.UniquePrefix();
    }
}

public sealed class IngestOptionsTests
{
    [Theory]
    [InlineData("Ingest:MaxConcurrentPublishes", "0")]
    [InlineData("Ingest:SourceCacheTtl", "02:00:00")]
    [InlineData("Ingest:DeduplicationTtl", "00:00:01")]
    [InlineData("Ingest:PublishBatchSize", "0")]
    [InlineData("Ingest:PublishBatchSize", "1001")]
    [InlineData("Ingest:PublishLinger", "00:00:05")]
    public async Task Invalid_options_stop_the_host_from_starting(string key, string value)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Provider"] = "InMemory", [key] = value });
        builder.AddIngestServices();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());
        Assert.Contains(key.Split(':')[1], error.Message);
    }

    [Fact]
    public async Task Default_options_are_valid()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Provider"] = "InMemory" });
        builder.AddIngestServices();
        using var host = builder.Build();
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<IngestOptions>>().Value;
        Assert.Equal(64, options.MaxConcurrentPublishes);
        Assert.Equal(100, options.PublishBatchSize);
        Assert.Equal(TimeSpan.FromMilliseconds(10), options.PublishLinger);
        await host.StopAsync();
    }
}
