using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Contracts;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

/// <summary>The batch consumer against the single-article one: same history in, same alerts out.</summary>
public sealed class ArticleBatchClassifiedConsumerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);
    private readonly List<AlertHarness> _hosts = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }
    }

    private async Task<(ITestHarness Harness, IAlertStore Store)> StartAsync()
    {
        var alerts = await AlertHarness.StartAsync();
        _hosts.Add(alerts);
        return (alerts.Harness, alerts.Store);
    }

    /// <summary>Denial and deflection before confirmation, an omission episode, then acknowledgements that resolve every alert.</summary>
    private static ArticleClassified[] History() =>
    [
        Classified("tass-1", "tass", SourceKind.StateMedia, 0.5, Stance.Denies),
        Classified("ria-1", "ria", SourceKind.StateMedia, 0.7, Stance.Deflects),
        Classified("isw-1", "isw", SourceKind.Analysis, 1, Stance.Acknowledges),
        Classified("reuters-1", "reuters", SourceKind.Wire, 2, Stance.Acknowledges),
        Classified("ria-2", "ria", SourceKind.StateMedia, 3, Stance.Omits),
        Classified("ria-3", "ria", SourceKind.StateMedia, 4, Stance.Omits),
        Classified("ria-4", "ria", SourceKind.StateMedia, 5, Stance.Omits),
        Classified("ria-5", "ria", SourceKind.StateMedia, 5.5, Stance.Omits),
        Classified("tass-2", "tass", SourceKind.StateMedia, 6, Stance.Acknowledges),
        Classified("ria-6", "ria", SourceKind.StateMedia, 6.5, Stance.Acknowledges),
        Classified("ap-1", "ap", SourceKind.Wire, 7, Stance.Unrelated),
    ];

    [Fact]
    public async Task A_batch_raises_the_same_alerts_as_its_articles_one_by_one_and_a_redelivery_raises_nothing_new()
    {
        var single = await StartAsync();
        foreach (var article in History())
        {
            var before = single.Harness.Published.Select<ArticleEvaluated>().Count();
            await single.Harness.Bus.Publish(article);
            await WaitAsync(() => single.Harness.Published.Select<ArticleEvaluated>().Count() > before);
        }

        var batched = await StartAsync();
        var batch = new ArticleBatchClassified { Articles = History() };
        await batched.Harness.Bus.Publish(batch);
        await WaitAsync(() => batched.Harness.Published.Select<ArticleBatchEvaluated>().Any());

        var evaluated = Assert.Single(batched.Harness.Published.Select<ArticleBatchEvaluated>()).Context.Message;
        Assert.Equal(History().Select(a => a.ArticleId), evaluated.Articles.Select(a => a.ArticleId));
        Assert.Empty(batched.Harness.Published.Select<ArticleEvaluated>());
        var singleEvaluated = single.Harness.Published.Select<ArticleEvaluated>().Select(m => m.Context.Message).ToDictionary(m => m.ArticleId);
        // The batch evaluates each (claim, outlet) once for all its articles, so it counts alerts per batch, not per article.
        Assert.Equal(singleEvaluated.Values.Sum(e => e.AlertsRaised), evaluated.AlertsRaised);
        Assert.Equal(singleEvaluated.Values.Sum(e => e.AlertsResolved), evaluated.AlertsResolved);
        Assert.All(evaluated.Articles, e => Assert.Equal((0, 0), (e.AlertsRaised, e.AlertsResolved)));

        var raised = Raised(single.Harness);
        Assert.Equal(3, raised.Count);
        Assert.Equal(raised, Raised(batched.Harness));
        var resolved = Resolved(single.Harness);
        Assert.Equal(3, resolved.Count);
        Assert.Equal(resolved, Resolved(batched.Harness));
        Assert.Equal(await Alerts(single.Store), await Alerts(batched.Store));

        await batched.Harness.Bus.Publish(batch);
        await WaitAsync(() => batched.Harness.Published.Select<ArticleBatchEvaluated>().Count() == 2);

        Assert.Equal(raised, Raised(batched.Harness));
        Assert.Equal(resolved, Resolved(batched.Harness));
        var redelivered = batched.Harness.Published.Select<ArticleBatchEvaluated>().Last().Context.Message;
        Assert.Equal((0, 0), (redelivered.AlertsRaised, redelivered.AlertsResolved));
        Assert.Equal(6, (await batched.Store.ReadEventsAsync(null, 100)).Count);
        Assert.False(batched.Harness.Published.Select<Fault<ArticleBatchClassified>>().Any());
    }

    private static List<(string, AlertKind, DateTimeOffset)> Raised(ITestHarness harness) =>
        harness.Published.Select<DivergenceAlertRaised>().Select(m => (m.Context.Message.AlertId, m.Context.Message.Kind, m.Context.Message.RaisedAt))
            .Order().ToList();

    private static List<(string, bool, DateTimeOffset?)> Resolved(ITestHarness harness) =>
        harness.Published.Select<DivergenceAlertResolved>().Select(m => (m.Context.Message.AlertId, m.Context.Message.Withdrawn, m.Context.Message.ResolvedAt))
            .Order().ToList();

    private static async Task<List<string>> Alerts(IAlertStore store) =>
        (await store.ListAsync(new AlertQuery())).Alerts
            .Select(a => $"{a.Id} {a.State} {a.Episode.Kind} {a.Episode.RaisedAt:O} {a.Episode.ResolvedAt:O}").Order().ToList();

    private static async Task WaitAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the consumer did not evaluate in time");
            await Task.Delay(20);
        }
    }
}
