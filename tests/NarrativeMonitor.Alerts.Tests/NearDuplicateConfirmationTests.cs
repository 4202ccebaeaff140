using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Contracts;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

/// <summary>A near-duplicate (another outlet's copy of the same wire text) confirms for its original's source.</summary>
public sealed class NearDuplicateConfirmationTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2025, 1, 10, 12, 0, 0, TimeSpan.Zero);
    private AlertHarness _alerts = null!;
    private ITestHarness _harness = null!;
    private IAlertLedger _ledger = null!;

    public async Task InitializeAsync()
    {
        _alerts = await AlertHarness.StartAsync();
        _harness = _alerts.Harness;
        _ledger = _alerts.Ledger;
    }

    public async Task DisposeAsync() => await _alerts.DisposeAsync();

    [Fact]
    public void An_article_that_is_no_copy_confirms_for_its_own_source()
    {
        Assert.Equal("ap", ArticleClassifiedConsumer.ConfirmingSource(Classified("ap-1", "ap", SourceKind.Wire, 1, Stance.Acknowledges)));
    }

    [Fact]
    public void A_copy_confirms_for_its_originals_source_and_a_copy_of_state_media_for_nobody()
    {
        Assert.Equal("reuters", ArticleClassifiedConsumer.ConfirmingSource(
            Classified("bbc-1", "bbc", SourceKind.Independent, 1, Stance.Acknowledges, copyOf: ("reuters-1", "reuters", SourceKind.Wire))));
        Assert.Null(ArticleClassifiedConsumer.ConfirmingSource(
            Classified("bbc-1", "bbc", SourceKind.Independent, 1, Stance.Acknowledges, copyOf: ("tass-1", "tass", SourceKind.StateMedia))));
    }

    [Fact]
    public async Task Two_outlets_carrying_the_same_wire_text_count_once()
    {
        await PublishAndWaitAsync(
            Classified("reuters-1", "reuters", SourceKind.Wire, 1, Stance.Acknowledges),
            Classified("bbc-1", "bbc", SourceKind.Independent, 2, Stance.Acknowledges, copyOf: ("reuters-1", "reuters", SourceKind.Wire)),
            Classified("tass-1", "tass", SourceKind.StateMedia, 3, Stance.Denies));

        Assert.Empty(_harness.Published.Select<DivergenceAlertRaised>());
        var snapshot = await _ledger.ReadAsync(Claim, "tass");
        Assert.All(snapshot.Confirmations, c => Assert.Equal("reuters", c.SourceId));
        Assert.Equal(["bbc-1", "reuters-1"], snapshot.Confirmations.Select(c => c.ArticleId).Order(StringComparer.Ordinal));

        // A second, independent source confirms: the denial is raised at that confirmation, with the wire's article.
        await PublishAndWaitAsync(Classified("isw-1", "isw", SourceKind.Analysis, 4, Stance.Acknowledges));

        var raised = Assert.Single(_harness.Published.Select<DivergenceAlertRaised>()).Context.Message;
        Assert.Equal(Day(4), raised.RaisedAt);
        Assert.Equal(["reuters-1", "isw-1"], raised.ConfirmingArticleIds);
    }

    [Fact]
    public async Task A_copy_published_before_its_original_counts_from_its_own_time_for_the_original_source()
    {
        // Ingest order decides which is the original; a copy that carries an earlier time still counts, once.
        await PublishAndWaitAsync(
            Classified("bbc-1", "bbc", SourceKind.Independent, 1, Stance.Acknowledges, copyOf: ("reuters-1", "reuters", SourceKind.Wire)),
            Classified("reuters-1", "reuters", SourceKind.Wire, 2, Stance.Acknowledges),
            Classified("isw-1", "isw", SourceKind.Analysis, 3, Stance.Acknowledges),
            Classified("tass-1", "tass", SourceKind.StateMedia, 5, Stance.Denies));

        var raised = Assert.Single(_harness.Published.Select<DivergenceAlertRaised>()).Context.Message;
        Assert.Equal(Day(5), raised.RaisedAt);
        Assert.Equal(["bbc-1", "isw-1"], raised.ConfirmingArticleIds);
    }

    [Fact]
    public async Task A_state_outlets_copy_of_wire_text_is_still_its_own_observation()
    {
        await PublishAndWaitAsync(
            Classified("isw-1", "isw", SourceKind.Analysis, 1, Stance.Acknowledges),
            Classified("ap-1", "ap", SourceKind.Wire, 2, Stance.Acknowledges),
            Classified("tass-1", "tass", SourceKind.StateMedia, 3, Stance.Denies, copyOf: ("ap-1", "ap", SourceKind.Wire)));

        var raised = Assert.Single(_harness.Published.Select<DivergenceAlertRaised>()).Context.Message;
        Assert.Equal("tass", raised.SourceId);
        Assert.Equal(["tass-1"], raised.DivergingArticleIds);
    }

    private async Task PublishAndWaitAsync(params ArticleClassified[] messages)
    {
        var expected = _harness.Published.Select<ArticleEvaluated>().Count() + messages.Length;
        foreach (var message in messages)
        {
            // One at a time: the order of confirmations is part of what these tests pin down.
            await _harness.Bus.Publish(message);
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (!_harness.Published.Select<ArticleEvaluated>().Any(m => m.Context.Message.ArticleId == message.ArticleId))
            {
                Assert.True(DateTime.UtcNow < deadline, "the consumer did not evaluate the message in time");
                await Task.Delay(20);
            }
        }

        Assert.Equal(expected, _harness.Published.Select<ArticleEvaluated>().Count());
        Assert.False(_harness.Published.Select<Fault<ArticleClassified>>().Any());
    }

    private static ArticleClassified Classified(
        string articleId, string sourceId, SourceKind kind, double day, Stance stance, (string Article, string Source, SourceKind Kind)? copyOf = null) =>
        History.Classified(articleId, sourceId, kind, day, stance) with
        {
            NearDuplicateOf = copyOf?.Article,
            NearDuplicateOfSourceId = copyOf?.Source,
            NearDuplicateOfSourceKind = copyOf?.Kind,
        };
}
