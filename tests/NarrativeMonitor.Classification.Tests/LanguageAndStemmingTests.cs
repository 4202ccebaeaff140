using System.Diagnostics;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Classifier.Text;
using NarrativeMonitor.Contracts;
using Xunit.Abstractions;

namespace NarrativeMonitor.Classification.Tests;

public sealed class LanguageDetectorTests
{
    [Theory]
    [InlineData("en", "North Korean troops are fighting alongside Russian forces in Kursk Oblast, the Pentagon said on Monday, citing intelligence that several thousand soldiers had been moved to the front.")]
    [InlineData("ru", "Северокорейские военные участвуют в боях в Курской области, заявили в понедельник в Пентагоне, сославшись на разведданные о переброске нескольких тысяч солдат к линии фронта.")]
    [InlineData("uk", "Північнокорейські військові беруть участь у боях у Курській області, заявили в понеділок у Пентагоні, пославшись на розвідувальні дані про перекидання кількох тисяч солдатів на фронт.")]
    [InlineData("de", "Nordkoreanische Soldaten kämpfen nach Angaben des Pentagons an der Seite russischer Truppen im Gebiet Kursk, mehrere tausend Mann seien an die Front verlegt worden.")]
    [InlineData("fr", "Des soldats nord-coréens combattent aux côtés des forces russes dans la région de Koursk, a indiqué lundi le Pentagone, citant des renseignements sur plusieurs milliers d'hommes.")]
    [InlineData("es", "Soldados norcoreanos combaten junto a las fuerzas rusas en la región de Kursk, según informó el lunes el Pentágono, que citó datos de inteligencia sobre varios miles de efectivos.")]
    public void Detects_the_language_of_a_news_paragraph_with_high_confidence(string expected, string text)
    {
        var guess = LanguageDetector.Detect(text);
        Assert.NotNull(guess);
        Assert.Equal(expected, guess.Value.Language);
        Assert.True(guess.Value.Confidence >= 0.8, $"confidence {guess.Value.Confidence}");
    }

    [Theory]
    // Russian and Ukrainian without the letters only one of them has: function words and trigrams decide.
    [InlineData("ru", "Он сказал, что они уже не будут говорить об этом, когда все закончится, потому что это было давно.")]
    [InlineData("uk", "Він сказав, що вони вже не будуть говорити про це, коли все закінчиться, бо це було давно.")]
    [InlineData("uk", "Уряд та парламент погодили бюджет, але опозиція закликала переглянути видатки на оборону.")]
    [InlineData("ru", "Правительство и парламент согласовали бюджет, но оппозиция призвала пересмотреть расходы на оборону.")]
    public void Tells_russian_from_ukrainian(string expected, string text)
    {
        Assert.Equal(expected, LanguageDetector.Detect(text)?.Language);
    }

    [Fact]
    public void Title_and_body_are_read_together_and_a_supplied_language_is_not_its_business()
    {
        var guess = LanguageDetector.Detect("Бої в Курській області", "Українські військові повідомили про нові атаки північнокорейських підрозділів біля Суджі.");
        Assert.Equal("uk", guess?.Language);
    }

    [Theory]
    [InlineData("КНДР")]
    [InlineData("Kursk")]
    [InlineData("Путин")]
    [InlineData("ok")]
    public void Short_texts_get_a_low_confidence(string text)
    {
        var guess = LanguageDetector.Detect(text);
        Assert.NotNull(guess);
        Assert.True(guess.Value.Confidence < 0.3, $"{text}: {guess.Value.Language} {guess.Value.Confidence}");
    }

    [Fact]
    public void Mixed_english_and_russian_is_less_certain_than_either()
    {
        var mixed = LanguageDetector.Detect("Peskov told reporters on Tuesday that the Kremlin had nothing to add. «Нам нечего добавить к тому, что уже было сказано», — сказал он журналистам.");
        var english = LanguageDetector.Detect("Peskov told reporters on Tuesday that the Kremlin had nothing to add to what had already been said about the deployment.");
        Assert.NotNull(mixed);
        Assert.True(mixed.Value.Confidence < 0.75, $"mixed: {mixed.Value.Language} {mixed.Value.Confidence}");
        Assert.True(english!.Value.Confidence > mixed.Value.Confidence);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2024 — 15:30 !!!")]
    [InlineData("北朝鮮の兵士")]
    public void Text_without_latin_or_cyrillic_letters_has_no_language(string text)
    {
        Assert.Null(LanguageDetector.Detect(text));
    }
}

public sealed class StemmingTests
{
    [Theory]
    [InlineData("северокорейские", "северокорейских", "северокорейскими", "северокорейского")]
    [InlineData("курской", "курске", "курская", "курск")]
    [InlineData("войска", "войск", "войсками", "войсках")]
    [InlineData("отрицает", "отрицают", "отрицал")]
    public void Russian_inflections_share_a_stem(params string[] forms)
    {
        Assert.Single(forms.Select(f => Stemming.Stem(f, "ru")).Distinct());
        Assert.Single(forms.Select(f => Stemming.Stem(f)).Distinct());
    }

    [Theory]
    [InlineData("північнокорейські", "північнокорейських", "північнокорейськими", "північнокорейського", "північнокорейськ")]
    [InlineData("курській", "курської", "курську", "курська")]
    [InlineData("війська", "військ", "військами", "військах")]
    [InlineData("суджі", "суджа", "суджу")]
    public void Ukrainian_inflections_share_a_stem(params string[] forms)
    {
        Assert.Single(forms.Select(f => Stemming.Stem(f, "uk")).Distinct());
    }

    [Theory]
    [InlineData("troops", "troop")]
    [InlineData("fighting", "fights", "fight")]
    [InlineData("denied", "denies", "deny")]
    public void English_inflections_share_a_stem(params string[] forms)
    {
        Assert.Single(forms.Select(f => Stemming.Stem(f, "en")).Distinct());
    }

    [Fact]
    public void A_letter_only_one_language_has_picks_its_stemmer_whatever_the_document_says()
    {
        Assert.Equal(Stemming.Stem("північнокорейських", "uk"), Stemming.Stem("північнокорейських", "ru"));
        Assert.Equal(Stemming.Stem("военными", "ru"), Stemming.Stem("военными", "uk")); // "ы" is Russian only
    }

    [Fact]
    public void Short_tokens_and_numbers_are_kept_whole()
    {
        Assert.Equal("кндр", Stemming.Stem("кндр"));
        Assert.Equal("f16s", Stemming.Stem("f16s"));
    }
}

public sealed class MultilingualClaimMatchingTests(ITestOutputHelper output)
{
    private static readonly ClaimDefinition Claim = new(
        "dprk-troops-kursk",
        "North Korean troops are fighting alongside Russian forces in Kursk Oblast",
        "fighting in Russia's Kursk Oblast",
        ["North Korean", "North Korea", "DPRK", "КНДР", "северокорейск", "північнокорейськ"],
        ["Kursk", "Курск", "Курськ"]);

    private readonly RuleBasedStanceClassifier _classifier = new();

    [Theory]
    [InlineData("en", "Kursk front", "North Korean troops are now fighting alongside Russian forces in Kursk Oblast, officials said.")]
    [InlineData(null, "Бои в Курской области", "Северокорейских военных перебросили в Курскую область, где они воюют вместе с российскими войсками.")]
    [InlineData(null, "Бои под Суджей", "Военные КНДР участвуют в боях в Курской области, сообщили источники.")]
    [InlineData(null, "Бої на Курщині", "Північнокорейських військових перекинули до Курської області, де вони воюють разом із російськими військами.")]
    [InlineData("uk", "Бої біля Суджі", "Північнокорейські військові беруть участь у боях у Курській області, повідомила розвідка.")]
    public void A_claim_with_english_russian_and_ukrainian_keywords_matches_inflected_forms_in_each(string? language, string title, string body)
    {
        var result = Assert.Single(_classifier.Classify(new ArticleText(title, body, language), _classifier.Prepare([Claim])));
        output.WriteLine($"{result.Stance} {result.Confidence}: {result.Evidence}");
        Assert.Equal(Stance.Acknowledges, result.Stance);
    }

    [Theory]
    [InlineData("Бої в Курській області тривають", "Російські війська атакують позиції ЗСУ біля Суджі, повідомили в Генштабі.")]
    [InlineData("Бои в Курской области продолжаются", "Российские войска атакуют позиции ВСУ у Суджи, сообщили в Минобороны.")]
    public void Topic_without_the_claim_is_an_omission_in_both_languages(string title, string body)
    {
        var result = Assert.Single(_classifier.Classify(new ArticleText(title, body), _classifier.Prepare([Claim])));
        Assert.Equal(Stance.Omits, result.Stance);
    }

    [Fact]
    public void A_russian_denial_naming_the_troops_in_an_inflected_form_is_a_denial()
    {
        var result = Assert.Single(_classifier.Classify(
            new ArticleText("Кремль", "Песков назвал сообщения о северокорейских военных в Курской области фейком."), _classifier.Prepare([Claim])));
        Assert.Equal(Stance.Denies, result.Stance);
    }
}

/// <summary>Prints the classifier's throughput on the sample corpora; informative only, nothing is asserted on time.</summary>
public sealed class ClassifierThroughputTests(ITestOutputHelper output)
{
    [Fact]
    public void Prints_pairs_per_second_on_the_sample_corpora()
    {
        var (claims, articles) = SampleCorpora.Load();
        var classifier = new RuleBasedStanceClassifier();
        var prepared = classifier.Prepare(claims);
        var results = 0;
        foreach (var article in articles)
        {
            results += classifier.Classify(article, prepared).Count;
        }

        const int passes = 20;
        var stopwatch = Stopwatch.StartNew();
        var allocated = GC.GetAllocatedBytesForCurrentThread();
        for (var pass = 0; pass < passes; pass++)
        {
            foreach (var article in articles)
            {
                classifier.Classify(article, prepared);
            }
        }

        var seconds = stopwatch.Elapsed.TotalSeconds;
        var classified = passes * articles.Count;
        output.WriteLine($"{classified / seconds:F0} articles/s, {classified * claims.Count / seconds:F0} article-claim pairs/s " +
            $"({claims.Count} claims), {(GC.GetAllocatedBytesForCurrentThread() - allocated) / 1024.0 / classified:F1} KiB allocated per article");
        Assert.True(results > 0);
    }
}
