using NarrativeMonitor.Contracts;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

public sealed class DivergenceRulesTests
{
    [Fact]
    public void Claim_is_confirmed_when_N_distinct_sources_acknowledged_it()
    {
        Assert.Null(DivergenceRules.Confirm([Ack("isw", "isw-1", 1)], 2));

        var confirmation = DivergenceRules.Confirm(ConfirmedOnDay2, 2);

        Assert.NotNull(confirmation);
        Assert.Equal(Day(2), confirmation.ConfirmedAt);
        Assert.Equal(["isw-1", "reuters-1"], confirmation.ConfirmingArticleIds);
    }

    [Fact]
    public void Same_source_twice_counts_once()
    {
        Assert.Null(DivergenceRules.Confirm([Ack("isw", "isw-1", 1), Ack("isw", "isw-2", 2)], 2));

        var confirmation = DivergenceRules.Confirm([Ack("isw", "isw-1", 1), Ack("isw", "isw-2", 2), Ack("ap", "ap-1", 5)], 2);
        Assert.Equal(Day(5), confirmation!.ConfirmedAt);
        Assert.Equal(["isw-1", "ap-1"], confirmation.ConfirmingArticleIds);
    }

    [Fact]
    public void Each_source_counts_from_its_earliest_acknowledgement_whatever_the_order_recorded()
    {
        var confirmation = DivergenceRules.Confirm([Ack("isw", "isw-late", 6), Ack("ap", "ap-1", 3), Ack("isw", "isw-early", 1), Ack("bbc", "bbc-1", 4)], 3);

        Assert.Equal(Day(4), confirmation!.ConfirmedAt);
        Assert.Equal(["isw-early", "ap-1", "bbc-1"], confirmation.ConfirmingArticleIds);
    }

    [Fact]
    public void No_alerts_when_the_claim_is_never_confirmed()
    {
        var episodes = Derive([Ack("isw", "isw-1", 1)],
            [Obs("t1", 2, Stance.Denies), Obs("t2", 3, Stance.Deflects), Obs("t3", 4, Stance.Omits), Obs("t4", 5, Stance.Omits), Obs("t5", 6, Stance.Omits)]);

        Assert.Empty(episodes);
    }

    [Fact]
    public void Denial_after_confirmation_is_raised_at_the_article_with_high_severity()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 5, Stance.Denies, "No North Korean troops are in Kursk.")]));

        Assert.Equal(AlertKind.Denial, episode.Kind);
        Assert.Equal(AlertSeverity.High, episode.Severity);
        Assert.Equal(Day(5), episode.RaisedAt);
        Assert.Null(episode.ResolvedAt);
        Assert.Equal(["t1"], episode.DivergingArticleIds);
        Assert.Equal(["No North Korean troops are in Kursk."], episode.EvidenceSentences);
        Assert.Equal(["isw-1", "reuters-1"], episode.ConfirmingArticleIds);
        Assert.Equal(Day(2), episode.ConfirmedAt);
        Assert.Equal(DivergenceRules.EpisodeId(Claim, Outlet, AlertKind.Denial, "t1"), episode.Id);
        Assert.StartsWith("al-", episode.Id);
        Assert.Equal(19, episode.Id.Length);
    }

    [Fact]
    public void Deflection_is_medium_severity()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 3, Stance.Deflects)]));

        Assert.Equal(AlertKind.Deflection, episode.Kind);
        Assert.Equal(AlertSeverity.Medium, episode.Severity);
        Assert.Equal(Day(3), episode.RaisedAt);
    }

    [Fact]
    public void Denial_published_before_confirmation_is_raised_at_the_confirmation_time()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 0.5, Stance.Denies)]));

        Assert.Equal(Day(2), episode.RaisedAt);
        Assert.Equal(["t1"], episode.DivergingArticleIds);
    }

    [Fact]
    public void Denial_taken_back_before_confirmation_never_becomes_an_alert()
    {
        Assert.Empty(Derive(ConfirmedOnDay2, [Obs("t1", 0.5, Stance.Denies), Obs("t2", 1.5, Stance.Acknowledges)]));
    }

    [Fact]
    public void Denial_taken_back_after_confirmation_is_raised_then_resolved()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 0.5, Stance.Denies), Obs("t2", 7, Stance.Acknowledges)]));

        Assert.Equal(Day(2), episode.RaisedAt);
        Assert.Equal(Day(7), episode.ResolvedAt);
        Assert.Equal("t2", episode.ResolvingArticleId);
    }

    [Fact]
    public void Acknowledgement_resolves_every_open_episode_and_a_later_denial_opens_a_new_one()
    {
        var episodes = Derive(ConfirmedOnDay2,
        [
            Obs("t1", 3, Stance.Denies, "first"), Obs("t2", 4, Stance.Denies, "second"), Obs("t3", 4.5, Stance.Deflects),
            Obs("t4", 5, Stance.Acknowledges), Obs("t5", 6, Stance.Denies),
        ]);

        Assert.Equal(3, episodes.Count);
        var first = episodes.Single(e => e.Kind == AlertKind.Denial && e.DivergingArticleIds[0] == "t1");
        Assert.Equal(["t1", "t2"], first.DivergingArticleIds);
        Assert.Equal(["first", "second"], first.EvidenceSentences);
        Assert.Equal(Day(5), first.ResolvedAt);
        Assert.Equal("t4", first.ResolvingArticleId);
        var deflection = episodes.Single(e => e.Kind == AlertKind.Deflection);
        Assert.Equal(Day(5), deflection.ResolvedAt);
        var second = episodes.Single(e => e.Kind == AlertKind.Denial && e.DivergingArticleIds[0] == "t5");
        Assert.Null(second.ResolvedAt);
        Assert.NotEqual(first.Id, second.Id);
    }

    [Fact]
    public void Omission_is_raised_at_the_Mth_silent_article_within_the_window()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2,
            [Obs("t1", 3, Stance.Omits), Obs("t2", 5, Stance.Omits), Obs("t3", 9, Stance.Omits), Obs("t4", 10, Stance.Omits)]));

        Assert.Equal(AlertKind.Omission, episode.Kind);
        Assert.Equal(AlertSeverity.Medium, episode.Severity);
        Assert.Equal(Day(9), episode.RaisedAt);
        Assert.Equal(["t1", "t2", "t3"], episode.DivergingArticleIds);
        Assert.Equal(DivergenceRules.EpisodeId(Claim, Outlet, AlertKind.Omission, "t3"), episode.Id);
    }

    [Fact]
    public void Omission_window_includes_exactly_W()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 3, Stance.Omits), Obs("t2", 10, Stance.Omits), Obs("t3", 17, Stance.Omits)]));

        Assert.Equal(Day(17), episode.RaisedAt);
    }

    [Fact]
    public void Omission_window_excludes_W_plus_one_tick()
    {
        var last = new Observation("t3", Day(17).AddTicks(1), Stance.Omits, 0.9, null);

        Assert.Empty(Derive(ConfirmedOnDay2, [Obs("t1", 3, Stance.Omits), Obs("t2", 10, Stance.Omits), last]));
    }

    [Fact]
    public void Omission_window_slides_past_articles_that_fell_out()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2,
            [Obs("t1", 3, Stance.Omits), Obs("t2", 20, Stance.Omits), Obs("t3", 25, Stance.Omits), Obs("t4", 30, Stance.Omits)]));

        Assert.Equal(Day(30), episode.RaisedAt);
        Assert.Equal(["t2", "t3", "t4"], episode.DivergingArticleIds);
    }

    [Fact]
    public void Omission_rules_come_from_the_claim()
    {
        var rules = new ClaimRules { ConfirmationSources = 1, OmissionArticles = 2, OmissionWindow = TimeSpan.FromDays(1) };

        var episode = Assert.Single(Derive([Ack("isw", "isw-1", 1)],
            [Obs("t1", 2, Stance.Omits), Obs("t2", 4, Stance.Omits), Obs("t3", 4.5, Stance.Omits)], rules));

        Assert.Equal(Day(4.5), episode.RaisedAt);
        Assert.Equal(Day(1), episode.ConfirmedAt);
        Assert.Equal(["t2", "t3"], episode.DivergingArticleIds);
    }

    [Fact]
    public void Silent_articles_before_confirmation_do_not_count()
    {
        Assert.Empty(Derive(ConfirmedOnDay2, [Obs("t1", 0.5, Stance.Omits), Obs("t2", 1, Stance.Omits), Obs("t3", 3, Stance.Omits)]));

        var episode = Assert.Single(Derive(ConfirmedOnDay2,
            [Obs("t1", 0.5, Stance.Omits), Obs("t2", 1, Stance.Omits), Obs("t3", 3, Stance.Omits), Obs("t4", 4, Stance.Omits), Obs("t5", 5, Stance.Omits)]));
        Assert.Equal(["t3", "t4", "t5"], episode.DivergingArticleIds);
    }

    [Fact]
    public void Silent_article_published_at_the_confirmation_time_counts()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 2, Stance.Omits), Obs("t2", 3, Stance.Omits), Obs("t3", 4, Stance.Omits)]));

        Assert.Equal(["t1", "t2", "t3"], episode.DivergingArticleIds);
    }

    [Fact]
    public void Acknowledgement_resets_the_omission_count_and_resolves_an_open_omission()
    {
        Assert.Empty(Derive(ConfirmedOnDay2,
            [Obs("t1", 3, Stance.Omits), Obs("t2", 4, Stance.Omits), Obs("a1", 5, Stance.Acknowledges), Obs("t3", 6, Stance.Omits)]));

        var episodes = Derive(ConfirmedOnDay2,
        [
            Obs("t1", 3, Stance.Omits), Obs("t2", 4, Stance.Omits), Obs("t3", 5, Stance.Omits), Obs("t4", 6, Stance.Omits),
            Obs("a1", 7, Stance.Acknowledges), Obs("t5", 8, Stance.Omits), Obs("t6", 9, Stance.Omits), Obs("t7", 10, Stance.Omits),
        ]);
        Assert.Equal(2, episodes.Count);
        Assert.Equal(Day(5), episodes[0].RaisedAt);
        Assert.Equal(Day(7), episodes[0].ResolvedAt);
        Assert.Equal(["t1", "t2", "t3"], episodes[0].DivergingArticleIds);
        Assert.Equal(Day(10), episodes[1].RaisedAt);
        Assert.Null(episodes[1].ResolvedAt);
    }

    [Fact]
    public void Only_one_omission_is_open_at_a_time()
    {
        var omits = Enumerable.Range(1, 9).Select(i => Obs($"t{i}", 2 + i, Stance.Omits));

        var episode = Assert.Single(Derive(ConfirmedOnDay2, omits));
        Assert.Equal(Day(5), episode.RaisedAt);
    }

    [Fact]
    public void Discussing_and_unrelated_articles_do_nothing()
    {
        Assert.Empty(Derive(ConfirmedOnDay2,
            [Obs("t1", 3, Stance.Discusses), Obs("t2", 4, Stance.Unrelated), Obs("t3", 5, Stance.Discusses), Obs("t4", 6, Stance.Unspecified)]));

        var episode = Assert.Single(Derive(ConfirmedOnDay2,
            [Obs("t1", 3, Stance.Omits), Obs("t2", 4, Stance.Discusses), Obs("t3", 5, Stance.Omits), Obs("t4", 6, Stance.Omits)]));
        Assert.Equal(["t1", "t3", "t4"], episode.DivergingArticleIds);
    }

    [Fact]
    public void Same_history_in_any_order_gives_the_same_episodes()
    {
        Confirmation[] confirmations = [Ack("isw", "isw-1", 1), Ack("isw", "isw-2", 1.5), Ack("reuters", "reuters-1", 2), Ack("ap", "ap-1", 8)];
        Observation[] observations =
        [
            Obs("t01", 0.5, Stance.Denies), Obs("t02", 3, Stance.Omits), Obs("t03", 3, Stance.Deflects), Obs("t04", 4, Stance.Omits),
            Obs("t05", 5, Stance.Omits), Obs("t06", 6, Stance.Acknowledges), Obs("t07", 7, Stance.Denies), Obs("t08", 7, Stance.Denies),
            Obs("t09", 9, Stance.Omits), Obs("t10", 10, Stance.Discusses), Obs("t11", 11, Stance.Omits), Obs("t12", 12, Stance.Omits),
        ];
        var expected = Derive(confirmations, observations);
        Assert.Equal(5, expected.Count);

        var random = new Random(20241201);
        for (var i = 0; i < 50; i++)
        {
            var actual = Derive(confirmations.OrderBy(_ => random.Next()), observations.OrderBy(_ => random.Next()));

            Assert.Equal(expected.Count, actual.Count);
            Assert.All(expected.Zip(actual), pair => Assert.True(pair.First.SameAs(pair.Second), $"{pair.First} differs from {pair.Second}"));
        }
    }

    [Fact]
    public void Articles_published_at_the_same_time_are_ordered_by_id()
    {
        // Same time: the acknowledgement a1 sorts before the denial d1, so the denial stays open.
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("d1", 3, Stance.Denies), Obs("a1", 3, Stance.Acknowledges)]));

        Assert.Null(episode.ResolvedAt);
    }

    [Fact]
    public void Duplicate_deliveries_change_nothing()
    {
        Observation[] observations = [Obs("t1", 3, Stance.Denies), Obs("t2", 4, Stance.Omits), Obs("t3", 5, Stance.Omits), Obs("t4", 6, Stance.Omits)];
        var expected = Derive(ConfirmedOnDay2, observations);

        var actual = Derive([.. ConfirmedOnDay2, .. ConfirmedOnDay2], [.. observations, .. observations, observations[0]]);

        Assert.Equal(2, actual.Count);
        Assert.All(expected.Zip(actual), pair => Assert.True(pair.First.SameAs(pair.Second)));
    }

    [Fact]
    public void Episode_ids_depend_on_claim_outlet_kind_and_opening_article_only()
    {
        var id = DivergenceRules.EpisodeId("c", "s", AlertKind.Denial, "a");

        Assert.Equal(id, DivergenceRules.EpisodeId("c", "s", AlertKind.Denial, "a"));
        Assert.NotEqual(id, DivergenceRules.EpisodeId("c", "s", AlertKind.Deflection, "a"));
        Assert.NotEqual(id, DivergenceRules.EpisodeId("c", "s2", AlertKind.Denial, "a"));
        Assert.NotEqual(id, DivergenceRules.EpisodeId("c2", "s", AlertKind.Denial, "a"));
        Assert.Matches("^al-[0-9a-f]{16}$", id);
    }
}
