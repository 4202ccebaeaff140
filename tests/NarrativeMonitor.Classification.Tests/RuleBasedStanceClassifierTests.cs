using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Classification.Tests;

public sealed class RuleBasedStanceClassifierTests
{
    private static readonly RuleBasedStanceClassifier Classifier = new();
    private static readonly IPreparedClaims Prepared = Classifier.Prepare([Claims.DprkTroops, Claims.GrainExports, Claims.BridgeStrike]);

    private static StanceResult? Classify(string title, string body, ClaimDefinition? claim = null)
    {
        var results = Classifier.Classify(new ArticleText(title, body), Prepared);
        return results.SingleOrDefault(r => r.ClaimId == (claim ?? Claims.DprkTroops).Id);
    }

    private static StanceResult Expect(Stance stance, string title, string body, ClaimDefinition? claim = null)
    {
        var result = Classify(title, body, claim);
        Assert.NotNull(result);
        Assert.Equal(stance, result.Stance);
        Assert.InRange(result.Confidence, 0.01, 1.0);
        Assert.False(string.IsNullOrWhiteSpace(result.Evidence));
        return result;
    }

    [Fact]
    public void Official_confirmation_acknowledges()
    {
        var result = Expect(Stance.Acknowledges,
            "Pentagon: North Korean troops now fighting in Kursk",
            "The Pentagon said on Monday that North Korean troops have entered combat alongside Russian forces in Russia's Kursk region. " +
            "Ukrainian officials said several hundred of the soldiers had been killed or wounded in the past week.");
        Assert.Contains("North Korean troops", result.Evidence);
    }

    [Fact]
    public void Wire_report_citing_us_officials_acknowledges()
    {
        Expect(Stance.Acknowledges,
            "",
            "U.S. officials said on Dec. 16 that dozens of DPRK soldiers were killed fighting Ukrainian forces in Russia's Kursk region. " +
            "The troops were sent by Pyongyang in October under a mutual defence treaty.");
    }

    [Fact]
    public void Russian_text_acknowledging_acknowledges()
    {
        Expect(Stance.Acknowledges,
            "Военные КНДР воюют в Курской области",
            "Северокорейские военные участвуют в боях против ВСУ в Курской области, заявили в Минобороны Южной Кореи. " +
            "По данным ведомства, в боях погибли около ста военнослужащих.");
    }

    [Fact]
    public void Calling_the_reports_fake_denies()
    {
        var result = Expect(Stance.Denies,
            "Zakharova: Western media spread fakes about North Korean soldiers in Kursk",
            "Foreign Ministry spokeswoman Maria Zakharova said Western media continue to spread fakes about North Korean soldiers in the Kursk region. " +
            "Russian units continue to push Ukrainian formations out of the region.");
        Assert.InRange(result.Confidence, 0.5, 1.0);
    }

    [Fact]
    public void Explicit_denial_denies()
    {
        Expect(Stance.Denies,
            "",
            "The ambassador told reporters there is no evidence that North Korean troops are involved in the fighting in Kursk Oblast. " +
            "He called the claims a provocation.");
    }

    [Fact]
    public void Russian_fake_framing_denies()
    {
        Expect(Stance.Denies,
            "",
            "Захарова назвала фейком сообщения о так называемых северокорейских военных в Курской области.");
    }

    [Fact]
    public void Negated_denial_is_not_a_denial()
    {
        var result = Classify("", "The Kremlin did not deny that North Korean troops are fighting in the Kursk region.");
        Assert.NotNull(result);
        Assert.NotEqual(Stance.Denies, result.Stance);
    }

    [Fact]
    public void Kremlin_nothing_to_say_deflects()
    {
        var result = Expect(Stance.Deflects,
            "Peskov on Kursk",
            "Kremlin spokesman Dmitry Peskov was asked on Tuesday about reports that North Korean troops are fighting in the Kursk region. " +
            "\"We have nothing to say on this matter, ask the Defence Ministry,\" Peskov told reporters.");
        Assert.Contains("nothing to say", result.Evidence);
        Assert.Contains("North Korean", result.Evidence);
    }

    [Fact]
    public void Declined_to_comment_deflects()
    {
        Expect(Stance.Deflects,
            "",
            "The Russian Defence Ministry declined to comment on reports of DPRK units near Sudzha.");
    }

    [Fact]
    public void Russian_refusal_to_comment_deflects()
    {
        Expect(Stance.Deflects,
            "",
            "Песков на вопрос о военных КНДР в Курской области ответил: «Нам нечего сказать, это вопрос к Минобороны».");
    }

    [Fact]
    public void Hedged_report_discusses()
    {
        Expect(Stance.Discusses,
            "",
            "North Korean soldiers are reportedly fighting in Russia's Kursk region, according to Ukrainian intelligence. " +
            "The information could not be independently verified.");
    }

    [Fact]
    public void Russian_hedged_report_discusses()
    {
        Expect(Stance.Discusses,
            "",
            "По неподтвержденным данным, в Курской области якобы воюют военные КНДР.");
    }

    [Fact]
    public void Naming_the_subject_without_stating_the_claim_discusses()
    {
        Expect(Stance.Discusses, "",
            "Pyongyang has sent about 10,000 troops to Russia for training in the Far East, the Pentagon said.");
    }

    [Fact]
    public void Fighting_report_without_the_claim_omits()
    {
        var result = Expect(Stance.Omits,
            "Russian forces repel Ukrainian attacks in Kursk region",
            "Russian troops repelled five attacks near Sudzha, the Defence Ministry said on Sunday. " +
            "Artillery units destroyed two tanks and an armoured vehicle in the Kursk region.");
        Assert.InRange(result.Confidence, 0.4, 1.0);
    }

    [Fact]
    public void Russian_fighting_report_without_the_claim_omits()
    {
        Expect(Stance.Omits,
            "Минобороны: ВСУ потеряли до 300 военнослужащих в Курской области",
            "Подразделения группировки войск «Север» отразили атаки штурмовых групп ВСУ у Суджи. " +
            "Уничтожены два танка и бронемашина.");
    }

    [Fact]
    public void Unrelated_article_is_left_out()
    {
        var results = Classifier.Classify(
            new ArticleText("Central bank holds rate", "The central bank kept its key rate unchanged at 21 percent on Friday."), Prepared);
        Assert.Empty(results);
    }

    [Fact]
    public void A_claim_keyword_alone_is_not_enough()
    {
        Assert.Null(Classify("", "North Korea launched a ballistic missile into the sea on Thursday."));
    }

    [Fact]
    public void Claim_without_keywords_is_found_by_its_statement()
    {
        Expect(Stance.Acknowledges, "",
            "A Ukrainian naval drone damaged the Crimean bridge early on Monday, officials in Kyiv said.", Claims.BridgeStrike);
        Expect(Stance.Omits, "",
            "Traffic on the Crimean bridge was suspended for three hours after an air raid warning.", Claims.BridgeStrike);
    }

    [Fact]
    public void Results_name_only_related_claims_in_id_order()
    {
        var results = Classifier.Classify(new ArticleText("",
            "North Korean troops are fighting in Kursk. Ships left Odesa through the grain corridor."), Prepared);
        Assert.Equal([Claims.DprkTroops.Id, Claims.GrainExports.Id], results.Select(r => r.ClaimId));
    }

    [Fact]
    public void More_evidence_gives_more_confidence()
    {
        var weak = Expect(Stance.Acknowledges, "", "Pyongyang's troops are fighting in Kursk.");
        var strong = Expect(Stance.Acknowledges, "",
            "North Korean troops sent by Pyongyang are fighting alongside Russian forces in Kursk Oblast.");
        Assert.True(strong.Confidence > weak.Confidence, $"{strong.Confidence} > {weak.Confidence}");
    }

    [Fact]
    public void Evidence_is_trimmed()
    {
        var longSentence = "North Korean troops are fighting in Kursk " + string.Join(" ", Enumerable.Repeat("and the fighting goes on", 60)) + ".";
        var result = Expect(Stance.Acknowledges, "", longSentence);
        Assert.InRange(result.Evidence!.Length, 100, RuleBasedStanceClassifier.MaxEvidenceLength);
    }

    [Fact]
    public void Classification_is_thread_safe_and_deterministic()
    {
        var article = new ArticleText("Peskov on Kursk",
            "Peskov was asked about North Korean troops in Kursk. \"We have nothing to say,\" he said. Russian units advanced near Sudzha.");
        var expected = Classifier.Classify(article, Prepared);
        var outcomes = new StanceResult[64][];
        Parallel.For(0, outcomes.Length, i => outcomes[i] = Classifier.Classify(article, Prepared).ToArray());
        Assert.All(outcomes, outcome => Assert.Equal(expected, outcome));
    }

    [Fact]
    public void Claims_prepared_elsewhere_are_rejected()
    {
        Assert.Throws<ArgumentException>(() => Classifier.Classify(new ArticleText("", "text"), new ForeignClaims()));
    }

    private sealed class ForeignClaims : IPreparedClaims
    {
        public IReadOnlyList<ClaimDefinition> Claims { get; } = [];
    }
}
