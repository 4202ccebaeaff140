using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Contracts;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

public sealed class ArticleClassifiedConsumerTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);
    private AlertHarness _alerts = null!;
    private ITestHarness _harness = null!;
    private IAlertStore _store = null!;

    public async Task InitializeAsync()
    {
        _alerts = await AlertHarness.StartAsync();
        _harness = _alerts.Harness;
        _store = _alerts.Store;
    }

    public async Task DisposeAsync() => await _alerts.DisposeAsync();

    [Fact]
    public async Task Denial_of_a_confirmed_claim_publishes_DivergenceAlertRaised_and_a_redelivery_raises_nothing_more()
    {
        await PublishAndWaitAsync(Classified("isw-1", "isw", SourceKind.Analysis, 1, Stance.Acknowledges),
            Classified("reuters-1", "reuters", SourceKind.Wire, 2, Stance.Acknowledges));
        var denial = Classified("tass-1", "tass", SourceKind.StateMedia, 3, Stance.Denies);
        await PublishAndWaitAsync(denial);

        var raised = Assert.Single(_harness.Published.Select<DivergenceAlertRaised>()).Context.Message;
        Assert.Equal(DivergenceRules.EpisodeId(Claim, "tass", AlertKind.Denial, "tass-1"), raised.AlertId);
        Assert.Equal(AlertKind.Denial, raised.Kind);
        Assert.Equal(AlertSeverity.High, raised.Severity);
        Assert.Equal(Day(3), raised.RaisedAt);
        Assert.Equal(["tass-1"], raised.DivergingArticleIds);
        Assert.Equal(["isw-1", "reuters-1"], raised.ConfirmingArticleIds);
        Assert.Equal(1, LastEvaluated("tass-1").AlertsRaised);

        await PublishAndWaitAsync(denial);

        Assert.Single(_harness.Published.Select<DivergenceAlertRaised>());
        Assert.Equal(2, _harness.Published.Select<ArticleEvaluated>().Count(m => m.Context.Message.ArticleId == "tass-1"));
        Assert.Equal(0, LastEvaluated("tass-1").AlertsRaised);
        Assert.Single((await _store.ListAsync(new AlertQuery())).Alerts);
        Assert.Single(await _store.ReadEventsAsync(null, 100));
    }

    [Fact]
    public async Task State_media_never_confirm_and_a_later_confirmation_raises_the_outlets_earlier_denial()
    {
        await PublishAndWaitAsync(
            Classified("rt-1", "rt", SourceKind.StateMedia, 1, Stance.Acknowledges),
            Classified("ria-1", "ria", SourceKind.StateMedia, 1.5, Stance.Acknowledges),
            Classified("tass-1", "tass", SourceKind.StateMedia, 2, Stance.Denies));
        Assert.Empty(_harness.Published.Select<DivergenceAlertRaised>());

        await PublishAndWaitAsync(Classified("isw-1", "isw", SourceKind.Analysis, 4, Stance.Acknowledges),
            Classified("ap-1", "ap", SourceKind.Wire, 5, Stance.Acknowledges));

        var raised = Assert.Single(_harness.Published.Select<DivergenceAlertRaised>()).Context.Message;
        Assert.Equal("tass", raised.SourceId);
        Assert.Equal(Day(5), raised.RaisedAt);
        Assert.Equal(["isw-1", "ap-1"], raised.ConfirmingArticleIds);
    }

    [Fact]
    public async Task Outlet_acknowledgement_resolves_its_alert()
    {
        await PublishAndWaitAsync(Classified("isw-1", "isw", SourceKind.Analysis, 1, Stance.Acknowledges),
            Classified("ap-1", "ap", SourceKind.Wire, 2, Stance.Acknowledges), Classified("tass-1", "tass", SourceKind.StateMedia, 3, Stance.Deflects));
        await PublishAndWaitAsync(Classified("tass-2", "tass", SourceKind.StateMedia, 4, Stance.Acknowledges));

        var resolved = Assert.Single(_harness.Published.Select<DivergenceAlertResolved>()).Context.Message;
        Assert.Equal(AlertKind.Deflection, resolved.Kind);
        Assert.Equal(Day(4), resolved.ResolvedAt);
        Assert.Equal("tass-2", resolved.ResolvingArticleId);
        Assert.False(resolved.Withdrawn);
        Assert.Equal(1, LastEvaluated("tass-2").AlertsResolved);
        Assert.Equal(AlertState.Resolved, Assert.Single((await _store.ListAsync(new AlertQuery())).Alerts).State);
    }

    [Fact]
    public async Task Late_acknowledgement_published_before_confirmation_withdraws_the_alert()
    {
        await PublishAndWaitAsync(Classified("tass-1", "tass", SourceKind.StateMedia, 1, Stance.Denies),
            Classified("isw-1", "isw", SourceKind.Analysis, 2, Stance.Acknowledges), Classified("ap-1", "ap", SourceKind.Wire, 3, Stance.Acknowledges));
        var raised = Assert.Single(_harness.Published.Select<DivergenceAlertRaised>()).Context.Message;
        Assert.Equal(Day(3), raised.RaisedAt);

        await PublishAndWaitAsync(Classified("tass-0", "tass", SourceKind.StateMedia, 2.5, Stance.Acknowledges));

        var withdrawn = Assert.Single(_harness.Published.Select<DivergenceAlertResolved>()).Context.Message;
        Assert.True(withdrawn.Withdrawn);
        Assert.Equal(raised.AlertId, withdrawn.AlertId);
        Assert.Equal(AlertState.Withdrawn, (await _store.GetAsync(raised.AlertId))!.State);
        Assert.Empty((await _store.ListAsync(new AlertQuery())).Alerts);
    }

    [Fact]
    public async Task Omission_is_raised_by_the_Mth_silent_article_whatever_the_arrival_order()
    {
        var rules = ClaimRules.Default with { OmissionArticles = 2 };
        await PublishAndWaitAsync(
            Classified("tass-2", "tass", SourceKind.StateMedia, 5, Stance.Omits, rules),
            Classified("isw-1", "isw", SourceKind.Analysis, 1, Stance.Acknowledges, rules),
            Classified("tass-1", "tass", SourceKind.StateMedia, 4, Stance.Omits, rules),
            Classified("ap-1", "ap", SourceKind.Wire, 2, Stance.Acknowledges, rules));

        var alert = Assert.Single((await _store.ListAsync(new AlertQuery())).Alerts);
        Assert.Equal(AlertKind.Omission, alert.Episode.Kind);
        Assert.Equal(Day(5), alert.Episode.RaisedAt);
        Assert.Equal(DivergenceRules.EpisodeId(Claim, "tass", AlertKind.Omission, "tass-2"), alert.Id);
        Assert.Single(_harness.Published.Select<DivergenceAlertRaised>());
    }

    [Fact]
    public async Task Messages_with_the_claims_words_and_source_names_give_a_named_explanation_and_count_in_the_timeline()
    {
        var description = (Statement: "North Korean troops fight in Kursk", Topic: "fighting in Kursk");
        ArticleClassified Named(string id, string source, SourceKind kind, string name, double day, Stance stance)
        {
            var message = Classified(id, source, kind, day, stance);
            return message with
            {
                SourceName = name,
                Results = [message.Results[0] with { ClaimStatement = description.Statement, ClaimTopic = description.Topic }],
            };
        }

        await PublishAndWaitAsync(
            Named("isw-1", "isw", SourceKind.Analysis, "Institute for the Study of War (ISW)", 1, Stance.Acknowledges),
            Named("reuters-1", "reuters", SourceKind.Wire, "Reuters", 2, Stance.Acknowledges),
            Named("reuters-2", "reuters", SourceKind.Wire, "Reuters", 2.5, Stance.Discusses),
            Named("tass-1", "tass", SourceKind.StateMedia, "TASS", 3, Stance.Deflects));

        var alert = Assert.Single((await _store.ListAsync(new AlertQuery())).Alerts);
        Assert.Equal(
            "TASS declined to confirm or deny that North Korean troops fight in Kursk in an article published on 4 Dec 2024 " +
            "(\"sentence of tass-1\"), after ISW (2 Dec 2024) and Reuters (3 Dec 2024) confirmed it.",
            alert.Episode.Explanation!.Summary);
        var diverging = Assert.Single(alert.Episode.Explanation.DivergingArticles);
        Assert.Equal(("https://example.org/tass-1", "title of tass-1"), (diverging.Url, diverging.Title));
        Assert.Equal(["https://example.org/isw-1", "https://example.org/reuters-1"], alert.Episode.Explanation.ConfirmingArticles.Select(a => a.Url));
        var timeline = await _store.ReadTimelineAsync(Claim);
        Assert.Equal(4, timeline.Counts.Sum(c => c.Articles));
        Assert.Equal(1, Assert.Single(timeline.Counts, c => c.SourceId == "reuters" && c.Stance == Stance.Discusses).Articles);
    }

    [Fact]
    public async Task Messages_from_before_explanations_still_raise_alerts_explained_with_ids()
    {
        await PublishAndWaitAsync(Classified("isw-1", "isw", SourceKind.Analysis, 1, Stance.Acknowledges),
            Classified("reuters-1", "reuters", SourceKind.Wire, 2, Stance.Acknowledges),
            Classified("tass-1", "tass", SourceKind.StateMedia, 3, Stance.Denies));

        var alert = Assert.Single((await _store.ListAsync(new AlertQuery())).Alerts);
        Assert.StartsWith("tass denied claim claim-kursk in an article published on 4 Dec 2024", alert.Episode.Explanation!.Summary);
        Assert.EndsWith("after isw (2 Dec 2024) and reuters (3 Dec 2024) confirmed it.", alert.Episode.Explanation.Summary);
        Assert.Null(alert.Episode.Explanation.ClaimStatement);
    }

    private ArticleEvaluated LastEvaluated(string articleId) =>
        _harness.Published.Select<ArticleEvaluated>().Last(m => m.Context.Message.ArticleId == articleId).Context.Message;

    /// <summary>Publishes the messages and waits until each has been evaluated (ArticleEvaluated published).</summary>
    private async Task PublishAndWaitAsync(params ArticleClassified[] messages)
    {
        var expected = _harness.Published.Select<ArticleEvaluated>().Count() + messages.Length;
        foreach (var message in messages)
        {
            await _harness.Bus.Publish(message);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (_harness.Published.Select<ArticleEvaluated>().Count() < expected)
        {
            Assert.True(DateTime.UtcNow < deadline, "the consumer did not evaluate every message in time");
            await Task.Delay(20);
        }

        Assert.False(_harness.Published.Select<Fault<ArticleClassified>>().Any());
    }
}
