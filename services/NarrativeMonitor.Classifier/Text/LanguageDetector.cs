using System.Buffers;
using System.Text;

namespace NarrativeMonitor.Classifier.Text;

/// <summary>A detected language (ISO 639-1) and how sure the detector is of it, in [0, 1].</summary>
public readonly record struct LanguageGuess(string Language, double Confidence);

/// <summary>
/// Detects English, Russian, Ukrainian, German, French and Spanish with three kinds of evidence: the script decides the
/// family (Cyrillic or Latin); within it, letters only one language has (і ї є ґ for Ukrainian, ы э ъ ё for Russian,
/// ä ö ü ß, ç œ è ê, ñ ¿ ¡), frequent function words, and a character-trigram model built at start-up from a short news
/// text per language decide between the languages. Thread-safe and allocation-free per call but for the
/// answer: about a tenth of a millisecond for an article (it reads at most <see cref="MaxAnalyzedCharacters"/>).
/// </summary>
/// <remarks>
/// <para>Confidence is the winner's share of a softmax over the languages' scores, times the share of the text's letters
/// in the winner's script (mixed English and Russian text is less certain), times a length factor that reaches 1 at
/// <see cref="WordsForFullConfidence"/> words: a headline of three words is never more than about 0.3 sure.</para>
/// <para>Written here rather than taken from NuGet: the maintained managed detector there (SearchPioneer.Lingua 2.0)
/// works offline but took 17 s and 218 MB to load six languages' models and 5 ms per article on this machine, too
/// much for ingest; the lighter ports of langdetect are unmaintained.</para>
/// </remarks>
public static class LanguageDetector
{
    /// <summary>Only the first this many characters are read: enough to be sure, and bodies may be 200,000 long.</summary>
    public const int MaxAnalyzedCharacters = 2_000;

    /// <summary>Words after which the length no longer limits the confidence.</summary>
    public const int WordsForFullConfidence = 12;

    public static readonly IReadOnlyList<string> SupportedLanguages = ["en", "ru", "uk", "de", "fr", "es"];

    internal static readonly SearchValues<char> UkrainianOnlyLetters = SearchValues.Create("іїєґ");
    internal static readonly SearchValues<char> RussianOnlyLetters = SearchValues.Create("ыэъё");

    private const double TrigramWeight = 0.25;
    private const double StopWordWeight = 1.5;
    private const double LetterWeight = 1.5;
    private const int MaxLetterEvidence = 8;

    private static readonly Profile[] Profiles =
    [
        new("en", Script.Latin, "",
            "the of and to in a is that for on it with as was he be by at are from his this have has had not an but they " +
            "which or were been their will would said its who after more also over than about into there when",
            """
            The government said on Tuesday that it would not change its plans after the talks, which officials described as
            useful but difficult. The minister told reporters that the country had received more support from its allies
            than expected. Fighting continued in the region overnight, according to the military, and several people were
            killed when a missile hit a residential building. Prices of food and energy have risen sharply this year, and
            the central bank is expected to raise interest rates again. The president will travel to the capital next week
            for a meeting with other leaders, where they are likely to discuss security, trade and the war. Analysts said
            the report showed that the economy was slowing, while the opposition called for an independent investigation.
            """),
        new("ru", Script.Cyrillic, "ыэъё",
            "и в не на что с по как это он из его от для был была были также который которые только уже но же о к у за " +
            "при после чем бы их они она мы вы ее еще так или ли до во со об если когда где нет",
            """
            Правительство заявило во вторник, что не будет менять свои планы после переговоров, которые чиновники назвали
            полезными, но трудными. Министр сообщил журналистам, что страна получила от союзников больше поддержки, чем
            ожидалось. По данным военных, ночью в регионе продолжались бои, несколько человек погибли, когда ракета попала
            в жилой дом. Цены на продукты и энергию в этом году резко выросли, и центральный банк, как ожидается, снова
            повысит ключевую ставку. Президент на следующей неделе отправится в столицу на встречу с другими лидерами, где
            они, вероятно, обсудят безопасность, торговлю и войну. Аналитики отметили, что доклад показывает замедление
            экономики, а оппозиция призвала провести независимое расследование. Это был уже третий обстрел за неделю.
            """),
        new("uk", Script.Cyrillic, "іїєґ",
            "і й та в у не на що з із зі по як це він від для був була були також який які лише вже але ж про до за " +
            "при після ніж би їх вони вона ми ви її ще так або чи щоб якщо коли де немає",
            """
            Уряд заявив у вівторок, що не змінюватиме своїх планів після переговорів, які посадовці назвали корисними, але
            складними. Міністр повідомив журналістам, що країна отримала від союзників більше підтримки, ніж очікувалося.
            За даними військових, уночі в регіоні тривали бої, кілька людей загинули, коли ракета влучила в житловий
            будинок. Ціни на продукти та енергію цього року різко зросли, і центральний банк, як очікується, знову
            підвищить облікову ставку. Президент наступного тижня вирушить до столиці на зустріч з іншими лідерами, де
            вони, ймовірно, обговорять безпеку, торгівлю та війну. Аналітики зазначили, що доповідь свідчить про
            уповільнення економіки, а опозиція закликала провести незалежне розслідування. Це вже третій обстріл за тиждень.
            """),
        new("de", Script.Latin, "äöüß",
            "der die und in den von zu das mit sich des auf für ist im dem nicht ein eine als auch es an werden aus er hat " +
            "dass sie nach wird bei einer um am sind noch wie einem über einen so zum war haben nur oder aber vor zur",
            """
            Die Regierung teilte am Dienstag mit, dass sie ihre Pläne nach den Gesprächen nicht ändern werde, die
            Beamte als nützlich, aber schwierig bezeichneten. Der Minister sagte Journalisten, das Land habe von seinen
            Verbündeten mehr Unterstützung erhalten als erwartet. Nach Angaben des Militärs gingen die Kämpfe in der
            Region in der Nacht weiter, mehrere Menschen wurden getötet, als eine Rakete ein Wohnhaus traf. Die Preise für
            Lebensmittel und Energie sind in diesem Jahr stark gestiegen, und die Zentralbank wird die Zinsen
            voraussichtlich erneut erhöhen. Der Präsident reist nächste Woche in die Hauptstadt zu einem Treffen mit
            anderen Staats- und Regierungschefs, bei dem es um Sicherheit, Handel und den Krieg gehen dürfte.
            """),
        new("fr", Script.Latin, "çœèêàùâîôë",
            "le la les de des du et en un une est que qui dans pour pas par sur au aux il elle ne se plus a avec ce son " +
            "sa ses été sont mais ou comme leur après selon cette on lors avait",
            """
            Le gouvernement a déclaré mardi qu'il ne modifierait pas ses projets après les pourparlers, que des
            responsables ont qualifiés d'utiles mais difficiles. Le ministre a indiqué aux journalistes que le pays avait
            reçu de ses alliés plus de soutien que prévu. Selon l'armée, les combats se sont poursuivis dans la région
            pendant la nuit, et plusieurs personnes ont été tuées lorsqu'un missile a frappé un immeuble d'habitation. Les
            prix de l'alimentation et de l'énergie ont fortement augmenté cette année, et la banque centrale devrait
            relever à nouveau ses taux. Le président se rendra la semaine prochaine dans la capitale pour une réunion avec
            d'autres dirigeants, où ils devraient discuter de sécurité, de commerce et de la guerre.
            """),
        new("es", Script.Latin, "ñ¿¡",
            "el la los las de del y en un una es que por con para no se su sus al lo como más pero fue ha han sido este " +
            "esta entre sobre también según tras desde cuando muy sin ya hasta",
            """
            El gobierno afirmó el martes que no cambiará sus planes después de las conversaciones, que los funcionarios
            calificaron de útiles pero difíciles. El ministro dijo a los periodistas que el país había recibido de sus
            aliados más apoyo del esperado. Según los militares, los combates continuaron en la región durante la noche, y
            varias personas murieron cuando un misil alcanzó un edificio residencial. Los precios de los alimentos y de la
            energía han subido con fuerza este año, y se espera que el banco central vuelva a subir los tipos de interés.
            El presidente viajará la próxima semana a la capital para reunirse con otros líderes, donde probablemente
            hablarán de seguridad, comercio y la guerra.
            """),
    ];

    /// <summary>The language of an article's title and body, or null when it has no Latin or Cyrillic letters.</summary>
    public static LanguageGuess? Detect(string? title, string? body)
    {
        title ??= "";
        body ??= "";
        var room = Math.Max(0, MaxAnalyzedCharacters - title.Length - 1);
        return Detect(string.Concat(title, "\n", body.Length > room ? body[..room] : body));
    }

    /// <summary>The language of <paramref name="text"/>, or null when it has no Latin or Cyrillic letters.</summary>
    public static LanguageGuess? Detect(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        var span = text.AsSpan(0, Math.Min(text.Length, MaxAnalyzedCharacters));
        var scores = new double[Profiles.Length];
        var letterHits = new int[Profiles.Length];
        int cyrillicLetters = 0, latinLetters = 0, words = 0;
        Span<char> word = stackalloc char[64];
        var length = 0;
        for (var i = 0; i <= span.Length; i++)
        {
            var c = i < span.Length ? char.ToLowerInvariant(span[i]) : ' ';
            if (char.IsLetter(c))
            {
                if (IsCyrillic(c))
                {
                    cyrillicLetters++;
                }
                else if (IsLatin(c))
                {
                    latinLetters++;
                }

                for (var p = 0; p < Profiles.Length; p++)
                {
                    if (Profiles[p].Letters.Contains(c))
                    {
                        letterHits[p]++;
                    }
                }

                if (length < word.Length)
                {
                    word[length++] = c;
                }

                continue;
            }

            // An apostrophe inside a Cyrillic word ("м'ясо", "об’єкт") is Ukrainian spelling.
            if (c is '\'' or '’' or 'ʼ' && length > 0 && IsCyrillic(word[length - 1]) && i + 1 < span.Length && IsCyrillic(char.ToLowerInvariant(span[i + 1])))
            {
                letterHits[Array.FindIndex(Profiles, p => p.Language == "uk")]++;
            }

            if (length > 0)
            {
                words++;
                ScoreWord(word[..length], scores);
                length = 0;
            }
        }

        var letters = cyrillicLetters + latinLetters;
        if (letters == 0)
        {
            return null;
        }

        var script = cyrillicLetters >= latinLetters ? Script.Cyrillic : Script.Latin;
        var dominance = (double)Math.Max(cyrillicLetters, latinLetters) / letters;
        var best = -1;
        var max = double.NegativeInfinity;
        for (var p = 0; p < Profiles.Length; p++)
        {
            if (Profiles[p].Script != script)
            {
                scores[p] = double.NegativeInfinity;
                continue;
            }

            scores[p] += LetterWeight * Math.Min(letterHits[p], MaxLetterEvidence);
            if (scores[p] > max)
            {
                (max, best) = (scores[p], p);
            }
        }

        var sum = 0.0;
        foreach (var score in scores)
        {
            sum += double.IsNegativeInfinity(score) ? 0 : Math.Exp(score - max);
        }

        var share = 1 / sum;
        var lengthFactor = Math.Min(1.0, (double)words / WordsForFullConfidence);
        return new LanguageGuess(Profiles[best].Language, Math.Round(share * dominance * lengthFactor, 3));
    }

    private static void ScoreWord(ReadOnlySpan<char> word, double[] scores)
    {
        Span<char> padded = stackalloc char[word.Length + 2];
        padded[0] = ' ';
        word.CopyTo(padded[1..]);
        padded[^1] = ' ';
        var script = IsCyrillic(word[0]) ? Script.Cyrillic : Script.Latin;
        for (var p = 0; p < Profiles.Length; p++)
        {
            var profile = Profiles[p];
            if (profile.Script != script)
            {
                continue; // its score is not compared: only the text's main script's languages compete
            }

            var trigrams = 0.0;
            for (var i = 0; i + 3 <= padded.Length; i++)
            {
                trigrams += profile.TrigramLogProbability(padded.Slice(i, 3));
            }

            scores[p] += TrigramWeight * trigrams;
            if (profile.StopWords.Contains(word))
            {
                scores[p] += StopWordWeight;
            }
        }
    }

    private static bool IsCyrillic(char c) => c is >= '\u0400' and <= '\u04FF';

    private static bool IsLatin(char c) => c is >= 'a' and <= 'z' or >= '\u00C0' and <= '\u024F';

    private enum Script
    {
        Latin = 1,
        Cyrillic = 2,
    }

    private sealed class Profile
    {
        // Unseen trigrams get the probability of half an occurrence among this many.
        private const int AssumedVocabulary = 20_000;

        private readonly Dictionary<string, double> _logProbabilities;
        private readonly Dictionary<string, double>.AlternateLookup<ReadOnlySpan<char>> _lookup;
        private readonly double _unseen;

        public Profile(string language, Script script, string letters, string stopWords, string seed)
        {
            Language = language;
            Script = script;
            Letters = SearchValues.Create(letters);
            StopWords = stopWords.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.Ordinal)
                .GetAlternateLookup<ReadOnlySpan<char>>();

            var counts = new Dictionary<string, int>(StringComparer.Ordinal);
            var total = 0;
            foreach (var w in Words(seed + " " + stopWords))
            {
                var padded = " " + w + " ";
                for (var i = 0; i + 3 <= padded.Length; i++)
                {
                    var trigram = padded.Substring(i, 3);
                    counts[trigram] = counts.GetValueOrDefault(trigram) + 1;
                    total++;
                }
            }

            var denominator = total + 0.5 * AssumedVocabulary;
            _logProbabilities = counts.ToDictionary(p => p.Key, p => Math.Log(p.Value / denominator), StringComparer.Ordinal);
            _lookup = _logProbabilities.GetAlternateLookup<ReadOnlySpan<char>>();
            _unseen = Math.Log(0.5 / denominator);
        }

        public string Language { get; }

        public Script Script { get; }

        public SearchValues<char> Letters { get; }

        public HashSet<string>.AlternateLookup<ReadOnlySpan<char>> StopWords { get; }

        public double TrigramLogProbability(ReadOnlySpan<char> trigram) =>
            _lookup.TryGetValue(trigram, out var logProbability) ? logProbability : _unseen;

        private static IEnumerable<string> Words(string text)
        {
            var current = new StringBuilder();
            foreach (var c in text.ToLowerInvariant() + " ")
            {
                if (char.IsLetter(c))
                {
                    current.Append(c);
                }
                else if (current.Length > 0)
                {
                    yield return current.ToString();
                    current.Clear();
                }
            }
        }
    }
}
