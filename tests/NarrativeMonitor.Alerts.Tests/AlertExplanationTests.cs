using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

public sealed class AlertExplanationTests
{
    private static readonly ClaimDescription Kursk = new(
        "North Korean troops are fighting for Russia in Kursk Oblast.", "fighting in Kursk Oblast");

    private static readonly Confirmation[] NamedConfirmations =
    [
        new("isw", "isw-1", Day(11), "https://isw.example/1", "ISW update", "Institute for the Study of War (ISW)", "ISW confirms."),
        new("reuters", "reuters-1", Day(12), "https://reuters.example/1", "Reuters report", "Reuters", "Reuters confirms."),
    ];

    private static Observation Named(string article, double day, Stance stance, string? evidence = null) =>
        new(article, Day(day), stance, 0.9, evidence ?? $"sentence of {article}", $"https://tass.example/{article}", $"title of {article}", "TASS");

    [Fact]
    public void An_omission_names_the_outlet_the_count_the_window_the_claim_and_who_confirmed_it_when()
    {
        var episode = Assert.Single(DivergenceRules.Derive(Claim, Outlet, NamedConfirmations, ClaimRules.Default,
            [Named("t1", 12, Stance.Omits), Named("t2", 14, Stance.Omits), Named("t3", 19, Stance.Omits)], Kursk));

        var explanation = episode.Explanation!;
        Assert.Equal(
            "TASS published 3 articles on fighting in Kursk Oblast between 13 and 20 Dec 2024 without mentioning that North Korean " +
            "troops are fighting for Russia in Kursk Oblast, after ISW (12 Dec 2024) and Reuters (13 Dec 2024) confirmed it.",
            explanation.Summary);
        Assert.Equal(3, explanation.OnTopicArticleCount);
        Assert.Equal(Day(12), explanation.WindowStart);
        Assert.Equal(Day(19), explanation.WindowEnd);
        Assert.Equal(Kursk.Statement, explanation.ClaimStatement);
        Assert.Equal(Kursk.Topic, explanation.ClaimTopic);
        Assert.Equal(["https://tass.example/t1", "https://tass.example/t2", "https://tass.example/t3"], explanation.DivergingArticles.Select(a => a.Url));
        Assert.All(explanation.DivergingArticles, a => Assert.Null(a.Evidence));
        Assert.Equal(
            [new ArticleRef("isw-1", "isw", "https://isw.example/1", "ISW update", Day(11), Stance.Acknowledges, "ISW confirms."),
             new ArticleRef("reuters-1", "reuters", "https://reuters.example/1", "Reuters report", Day(12), Stance.Acknowledges, "Reuters confirms.")],
            explanation.ConfirmingArticles);
    }

    [Fact]
    public void Omissions_while_an_omission_is_open_grow_its_explanation_but_not_its_evidence()
    {
        var episode = Assert.Single(DivergenceRules.Derive(Claim, Outlet, NamedConfirmations, ClaimRules.Default,
            [Named("t1", 12, Stance.Omits), Named("t2", 13, Stance.Omits), Named("t3", 14, Stance.Omits), Named("t4", 30, Stance.Omits), Named("t5", 31, Stance.Omits)], Kursk));

        Assert.Equal(["t1", "t2", "t3"], episode.DivergingArticleIds);
        Assert.Equal(5, episode.Explanation!.OnTopicArticleCount);
        Assert.Equal(Day(31), episode.Explanation.WindowEnd);
        Assert.StartsWith("TASS published 5 articles on fighting in Kursk Oblast between 13 Dec 2024 and 1 Jan 2025 without", episode.Explanation.Summary);
    }

    [Fact]
    public void A_long_silence_lists_the_earliest_articles_and_counts_them_all()
    {
        var silent = Enumerable.Range(0, 400).Select(i => Named($"t{i:D3}", 12 + i * 0.1, Stance.Omits)).Reverse().ToList();

        var explanation = Assert.Single(DivergenceRules.Derive(Claim, Outlet, NamedConfirmations, ClaimRules.Default, silent, Kursk)).Explanation!;

        Assert.Equal(400, explanation.OnTopicArticleCount);
        Assert.Equal(Enumerable.Range(0, AlertExplanations.MaxListedArticles).Select(i => $"t{i:D3}"), explanation.DivergingArticles.Select(a => a.ArticleId));
        Assert.Equal(Day(12 + 399 * 0.1), explanation.WindowEnd);
        Assert.StartsWith("TASS published 400 articles on fighting in Kursk Oblast between 13 Dec 2024 and 21 Jan 2025 without", explanation.Summary);
    }

    [Fact]
    public void A_denial_before_confirmation_quotes_the_outlet_and_says_it_came_first()
    {
        var episode = Assert.Single(DivergenceRules.Derive(Claim, Outlet, NamedConfirmations, ClaimRules.Default,
            [Named("t1", 5, Stance.Denies, "The reports are a \"fake\".")], Kursk));

        Assert.Equal(
            "TASS denied that North Korean troops are fighting for Russia in Kursk Oblast in an article published on 6 Dec 2024 " +
            "(\"The reports are a 'fake'.\"), before ISW (12 Dec 2024) and Reuters (13 Dec 2024) confirmed it.",
            episode.Explanation!.Summary);
        Assert.Equal("The reports are a \"fake\".", Assert.Single(episode.Explanation.DivergingArticles).Evidence);
    }

    [Fact]
    public void A_deflection_after_confirmation_has_its_own_wording()
    {
        var episode = Assert.Single(DivergenceRules.Derive(Claim, Outlet, NamedConfirmations, ClaimRules.Default,
            [Named("t1", 13, Stance.Deflects, "We have nothing to add."), Named("t2", 15, Stance.Deflects, "No comment.")], Kursk));

        Assert.Equal(
            "TASS declined to confirm or deny that North Korean troops are fighting for Russia in Kursk Oblast in 2 articles published " +
            "between 14 and 16 Dec 2024 (\"We have nothing to add.\"), after ISW (12 Dec 2024) and Reuters (13 Dec 2024) confirmed it.",
            episode.Explanation!.Summary);
    }

    [Fact]
    public void Without_the_claims_words_or_the_sources_names_the_summary_falls_back_to_ids()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 3, Stance.Omits), Obs("t2", 4, Stance.Omits), Obs("t3", 5, Stance.Omits)]));

        Assert.Equal(
            "tass published 3 articles on the claim's topic between 4 and 6 Dec 2024 without mentioning claim claim-kursk, " +
            "after isw (2 Dec 2024) and reuters (3 Dec 2024) confirmed it.",
            episode.Explanation!.Summary);
        Assert.Null(episode.Explanation.ClaimStatement);
        Assert.All(episode.Explanation.DivergingArticles, a => Assert.Null(a.Url));
    }

    [Fact]
    public void An_alert_stored_before_explanations_gets_one_from_its_ids()
    {
        var episode = Assert.Single(Derive(ConfirmedOnDay2, [Obs("t1", 3, Stance.Denies, "It is fake.")])) with { Explanation = null };

        var fallback = AlertExplanations.Fallback(episode);

        Assert.Contains("tass denied claim claim-kursk in 1 article", fallback.Summary);
        Assert.Contains("isw-1 and reuters-1", fallback.Summary);
        Assert.Equal(["t1"], fallback.DivergingArticles.Select(a => a.ArticleId));
        Assert.Equal("It is fake.", fallback.DivergingArticles[0].Evidence);
        Assert.Equal(["isw-1", "reuters-1"], fallback.ConfirmingArticles.Select(a => a.ArticleId));
    }

    [Fact]
    public void The_reason_of_an_automatic_resolution_names_the_acknowledging_article()
    {
        var episode = Assert.Single(DivergenceRules.Derive(Claim, Outlet, NamedConfirmations, ClaimRules.Default,
            [Named("t1", 13, Stance.Denies), Named("t2", 20, Stance.Acknowledges)], Kursk));

        Assert.Equal("t2", episode.ResolvingArticleId);
        Assert.Equal("TASS acknowledged the claim in \"title of t2\" (t2), published 21 Dec 2024, https://tass.example/t2.",
            AlertExplanations.ResolutionReason(episode));
    }

    [Theory]
    [InlineData("Institute for the Study of War (ISW)", "ISW")]
    [InlineData("Reuters", "Reuters")]
    [InlineData("  ", "src")]
    [InlineData(null, "src")]
    [InlineData("A name (with a bracket that is far too long to be an abbreviation)", "A name (with a bracket that is far too long to be an abbreviation)")]
    public void A_source_is_named_by_its_abbreviation_its_name_or_its_id(string? name, string expected) =>
        Assert.Equal(expected, AlertExplanations.ShortName("src", name));

    [Theory]
    [InlineData("2024-11-12T10:00:00Z", "2024-11-12T23:00:00Z", "on 12 Nov 2024")]
    [InlineData("2024-11-12T10:00:00Z", "2024-11-19T01:00:00Z", "between 12 and 19 Nov 2024")]
    [InlineData("2024-10-28T10:00:00Z", "2024-11-03T01:00:00Z", "between 28 Oct and 3 Nov 2024")]
    [InlineData("2024-12-28T10:00:00Z", "2025-01-03T01:00:00Z", "between 28 Dec 2024 and 3 Jan 2025")]
    public void Ranges_of_days_are_written_as_a_report_would(string start, string end, string expected) =>
        Assert.Equal(expected, AlertExplanations.Range(DateTimeOffset.Parse(start, System.Globalization.CultureInfo.InvariantCulture),
            DateTimeOffset.Parse(end, System.Globalization.CultureInfo.InvariantCulture)));

    [Fact]
    public async Task A_changed_claim_statement_rewrites_the_explanation_without_an_event()
    {
        var store = new InMemoryAlertStore();
        var evaluator = new AlertEvaluator(store, Options.Create(new AlertOptions()), TimeProvider.System, NullLogger<AlertEvaluator>.Instance);
        foreach (var confirmation in NamedConfirmations)
        {
            await store.RecordConfirmationAsync(Claim, confirmation);
        }

        await store.RecordRulesAsync(Claim, ClaimRules.Default, Kursk);
        await store.RecordObservationAsync(Claim, Outlet, Named("t1", 13, Stance.Denies));
        Assert.Single(await evaluator.EvaluateAsync(Claim, Outlet));

        Assert.True(await store.RecordRulesAsync(Claim, ClaimRules.Default, Kursk with { Statement = "DPRK soldiers fight in Kursk" }));
        Assert.Empty(await evaluator.EvaluateAsync(Claim, Outlet));

        var alert = Assert.Single((await store.ListAsync(new AlertQuery())).Alerts);
        Assert.StartsWith("TASS denied that DPRK soldiers fight in Kursk in an article", alert.Episode.Explanation!.Summary);
        Assert.Single(await store.ReadEventsAsync(null, 100));
    }
}
