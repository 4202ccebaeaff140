using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using NarrativeMonitor.Classification.Claims;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Classification.Tests;

public sealed class ArticleIngestedConsumerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Published = new(2024, 12, 17, 8, 30, 0, TimeSpan.Zero);
    private IHost _host = null!;
    private ITestHarness _harness = null!;
    private IClaimStore _store = null!;

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Storage:Provider"] = "InMemory",
            ["Classification:Classifier"] = "Rules",
        });
        builder.AddClassificationServices();
        builder.Services.AddMassTransitTestHarness(bus => bus.AddClassificationConsumers());
        _host = builder.Build();
        _harness = _host.Services.GetRequiredService<ITestHarness>();
        _store = _host.Services.GetRequiredService<IClaimStore>();
        await _harness.Start();
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        _host.Dispose();
    }

    private static ClaimRecord Record(ClaimDefinition claim, ClaimRules rules) => new()
    {
        Id = claim.Id,
        Statement = claim.Statement,
        Topic = claim.Topic,
        Keywords = claim.Keywords,
        TopicKeywords = claim.TopicKeywords,
        Rules = rules,
    };

    private static ArticleIngested Article(string id, string title, string body) => new()
    {
        ArticleId = id,
        SourceId = "tass",
        SourceKind = SourceKind.StateMedia,
        Url = $"https://tass.example/{id}",
        PublishedAt = Published,
        Title = title,
        Body = body,
        Language = "en",
        ContentHash = new string('0', 64),
        IngestedAt = Published.AddMinutes(5),
    };

    private async Task<ArticleClassified> ClassifiedAsync(string articleId)
    {
        var published = await _harness.Published.SelectAsync<ArticleClassified>(m => m.Context.Message.ArticleId == articleId).FirstOrDefault();
        Assert.NotNull(published);
        return published.Context.Message;
    }

    [Fact]
    public void The_configured_classifier_is_the_rule_based_one()
    {
        Assert.IsType<RuleBasedStanceClassifier>(_host.Services.GetRequiredService<IStanceClassifier>());
    }

    [Fact]
    public async Task An_ingested_article_yields_its_stances_with_the_claims_rules()
    {
        var rules = new ClaimRules { ConfirmationSources = 3, OmissionArticles = 5, OmissionWindow = TimeSpan.FromDays(10) };
        await _store.CreateAsync(Record(Claims.DprkTroops, rules));
        await _store.CreateAsync(Record(Claims.GrainExports, ClaimRules.Default));

        await _harness.Bus.Publish(Article("a1", "Peskov on Kursk",
            "Kremlin spokesman Dmitry Peskov was asked about reports that North Korean troops are fighting in the Kursk region. " +
            "\"We have nothing to say on this matter, ask the Defence Ministry,\" Peskov told reporters."));

        Assert.True(await _harness.GetConsumerHarness<ArticleIngestedConsumer>().Consumed.Any<ArticleIngested>());
        var classified = await ClassifiedAsync("a1");
        Assert.Equal("tass", classified.SourceId);
        Assert.Equal(SourceKind.StateMedia, classified.SourceKind);
        Assert.Equal("https://tass.example/a1", classified.Url);
        Assert.Equal("Peskov on Kursk", classified.Title);
        Assert.Equal(Published, classified.PublishedAt);
        Assert.Equal(Published.AddMinutes(5), classified.IngestedAt);
        Assert.Equal(2, classified.ClaimsEvaluated);
        var result = Assert.Single(classified.Results);
        Assert.Equal(Claims.DprkTroops.Id, result.ClaimId);
        Assert.Equal(Stance.Deflects, result.Stance);
        Assert.Equal(rules, result.Rules);
        Assert.Equal((Claims.DprkTroops.Statement, Claims.DprkTroops.Topic), (result.ClaimStatement, result.ClaimTopic));
        Assert.Contains("nothing to say", result.Evidence);
    }

    [Fact]
    public async Task A_claim_created_after_the_cache_was_built_is_used_for_the_next_article()
    {
        await _store.CreateAsync(Record(Claims.DprkTroops, ClaimRules.Default));
        await _harness.Bus.Publish(Article("before", "Kursk", "Russian troops repelled attacks near Sudzha in the Kursk region."));
        var before = await ClassifiedAsync("before");
        Assert.Equal(Stance.Omits, Assert.Single(before.Results).Stance);

        await _store.CreateAsync(Record(Claims.GrainExports, ClaimRules.Default with { OmissionArticles = 7 }));
        await _harness.Bus.Publish(Article("after", "Odesa",
            "Ukrainian grain exports through the Odesa ports recovered to pre-war volumes in November, the ministry said."));

        var after = await ClassifiedAsync("after");
        Assert.Equal(2, after.ClaimsEvaluated);
        var result = Assert.Single(after.Results);
        Assert.Equal(Claims.GrainExports.Id, result.ClaimId);
        Assert.Equal(Stance.Acknowledges, result.Stance);
        Assert.Equal(7, result.Rules.OmissionArticles);
    }

    [Fact]
    public async Task An_unrelated_article_is_published_with_no_results()
    {
        await _store.CreateAsync(Record(Claims.DprkTroops, ClaimRules.Default));

        await _harness.Bus.Publish(Article("rate", "Rates", "The central bank kept its key rate unchanged on Friday."));

        var classified = await ClassifiedAsync("rate");
        Assert.Empty(classified.Results);
        Assert.Equal(1, classified.ClaimsEvaluated);
    }

    [Fact]
    public async Task A_batch_yields_one_batch_with_the_same_stances_as_the_articles_one_by_one()
    {
        await _store.CreateAsync(Record(Claims.DprkTroops, ClaimRules.Default with { OmissionArticles = 4 }));
        await _store.CreateAsync(Record(Claims.GrainExports, ClaimRules.Default));
        ArticleIngested[] articles =
        [
            Article("b1", "Peskov on Kursk",
                "Kremlin spokesman Dmitry Peskov was asked about reports that North Korean troops are fighting in the Kursk region. " +
                "\"We have nothing to say on this matter, ask the Defence Ministry,\" Peskov told reporters."),
            Article("b2", "Kursk", "Russian troops repelled attacks near Sudzha in the Kursk region."),
            Article("b3", "Rates", "The central bank kept its key rate unchanged on Friday."),
            Article("b4", "Odesa", "Ukrainian grain exports through the Odesa ports recovered to pre-war volumes in November, the ministry said."),
        ];

        foreach (var article in articles)
        {
            await _harness.Bus.Publish(article);
        }

        var single = new List<ArticleClassified>();
        foreach (var article in articles)
        {
            single.Add(await ClassifiedAsync(article.ArticleId));
        }

        await _harness.Bus.Publish(new ArticleBatchIngested { Articles = articles });

        var published = await _harness.Published.SelectAsync<ArticleBatchClassified>().FirstOrDefault();
        Assert.NotNull(published);
        Assert.Single(_harness.Published.Select<ArticleBatchClassified>());
        var batch = published.Context.Message.Articles;
        Assert.Equal(articles.Select(a => a.ArticleId), batch.Select(a => a.ArticleId));
        Assert.Equal([Stance.Deflects, Stance.Omits], [single[0].Results.Single().Stance, single[1].Results.Single().Stance]);
        for (var i = 0; i < articles.Length; i++)
        {
            Assert.Equal(Stances(single[i]), Stances(batch[i]));
            Assert.Equal(single[i].ClaimsEvaluated, batch[i].ClaimsEvaluated);
            Assert.Equal(single[i].IngestedAt, batch[i].IngestedAt);
            Assert.Equal(single[i].SourceKind, batch[i].SourceKind);
        }

        // The batch goes out as a batch only: no per-article messages beyond the single-path ones.
        Assert.Equal(articles.Length, _harness.Published.Select<ArticleClassified>().Count());
    }

    private static (string, Stance, double, string?, ClaimRules)[] Stances(ArticleClassified classified) =>
        classified.Results.Select(r => (r.ClaimId, r.Stance, r.Confidence, r.Evidence, r.Rules)).ToArray();
}

public sealed class ActiveClaimsTests
{
    [Fact]
    public async Task Rebuilds_only_when_the_store_version_changes()
    {
        var store = new CountingStore(new InMemoryClaimStore());
        var active = new ActiveClaims(store, new RuleBasedStanceClassifier(), NullLogger<ActiveClaims>.Instance);
        await store.CreateAsync(ClaimStoreContractTests.Claim("a"));

        var first = await active.GetAsync();
        var second = await active.GetAsync();
        Assert.Same(first, second);
        Assert.Equal(1, store.Lists);
        Assert.Equal(2, store.VersionReads);

        await store.CreateAsync(ClaimStoreContractTests.Claim("b"));
        var third = await active.GetAsync();
        Assert.Equal(["a", "b"], third.Prepared.Claims.Select(c => c.Id));
        Assert.Equal(2, store.Lists);

        await store.RetireAsync("a", DateTimeOffset.UnixEpoch);
        var fourth = await active.GetAsync();
        Assert.Equal(["b"], fourth.Prepared.Claims.Select(c => c.Id));
        Assert.Equal(["b"], fourth.Claims.Keys);
    }

    private sealed class CountingStore(IClaimStore inner) : IClaimStore
    {
        public int Lists { get; private set; }
        public int VersionReads { get; private set; }

        public Task<bool> CreateAsync(ClaimRecord claim, CancellationToken cancellationToken = default) => inner.CreateAsync(claim, cancellationToken);
        public Task<ClaimRecord?> UpdateAsync(ClaimRecord content, CancellationToken cancellationToken = default) => inner.UpdateAsync(content, cancellationToken);
        public Task<ClaimRecord?> RetireAsync(string id, DateTimeOffset at, CancellationToken cancellationToken = default) => inner.RetireAsync(id, at, cancellationToken);
        public Task<ClaimRecord?> GetAsync(string id, CancellationToken cancellationToken = default) => inner.GetAsync(id, cancellationToken);

        public Task<IReadOnlyList<ClaimRecord>> ListAsync(bool includeRetired, CancellationToken cancellationToken = default)
        {
            Lists++;
            return inner.ListAsync(includeRetired, cancellationToken);
        }

        public Task<long> GetVersionAsync(CancellationToken cancellationToken = default)
        {
            VersionReads++;
            return inner.GetVersionAsync(cancellationToken);
        }
    }
}
