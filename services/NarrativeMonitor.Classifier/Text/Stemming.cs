using System.Collections.Concurrent;
using Lucene.Net.Tartarus.Snowball;
using Lucene.Net.Tartarus.Snowball.Ext;

namespace NarrativeMonitor.Classifier.Text;

/// <summary>
/// Per-language stemming of single lower-cased tokens with the stemmers Lucene.Net's analyzers use: Porter for English
/// (as EnglishAnalyzer's PorterStemFilter), Snowball for Russian (as RussianAnalyzer), German, French and Spanish, and
/// <see cref="UkrainianLightStemmer"/> for Ukrainian, which Lucene.Net.Analysis.Common does not cover.
/// </summary>
/// <remarks>
/// The classifier keeps its own tokenizer rather than running whole analyzers: cue matching needs every token, stop
/// words included, aligned with its sentence, and the analyzers drop stop words. Snowball stemmers are not thread-safe,
/// so each thread has its own; stems are cached, since a news vocabulary repeats and a Snowball call allocates.
/// </remarks>
public static class Stemming
{
    /// <summary>Cached stems per language; past this many the cache stops growing (stemming still works, uncached).</summary>
    public const int MaxCachedStemsPerLanguage = 200_000;

    private static readonly ConcurrentDictionary<string, string>[] Caches =
        Enumerable.Range(0, (int)StemLanguage.Spanish + 1).Select(_ => new ConcurrentDictionary<string, string>(StringComparer.Ordinal)).ToArray();

    [ThreadStatic]
    private static SnowballProgram?[]? _stemmers;

    /// <summary>
    /// The stem of <paramref name="token"/> (lower-case, as <see cref="Tokenizer"/> makes it). Cyrillic tokens with a
    /// letter only Ukrainian has are stemmed as Ukrainian, with one only Russian has as Russian, otherwise as
    /// <paramref name="documentLanguage"/> says (Russian when it says neither); Latin tokens as English unless the
    /// document is German, French or Spanish. Tokens of three letters or fewer, and tokens with digits, are kept whole.
    /// </summary>
    public static string Stem(string token, string? documentLanguage = null)
    {
        if (token.Length <= 3 || token.AsSpan().ContainsAnyInRange('0', '9'))
        {
            return token;
        }

        var language = LanguageOf(token, documentLanguage);
        if (language == StemLanguage.None)
        {
            return token;
        }

        var cache = Caches[(int)language];
        if (cache.TryGetValue(token, out var cached))
        {
            return cached;
        }

        var stem = language == StemLanguage.Ukrainian ? UkrainianLightStemmer.Stem(token) : Snowball(language, token);
        if (cache.Count < MaxCachedStemsPerLanguage)
        {
            cache.TryAdd(token, stem);
        }

        return stem;
    }

    private static string Snowball(StemLanguage language, string token)
    {
        var stemmers = _stemmers ??= new SnowballProgram?[(int)StemLanguage.Spanish + 1];
        var stemmer = stemmers[(int)language] ??= language switch
        {
            StemLanguage.English => new PorterStemmer(),
            StemLanguage.Russian => new RussianStemmer(),
            StemLanguage.German => new GermanStemmer(),
            StemLanguage.French => new FrenchStemmer(),
            StemLanguage.Spanish => new SpanishStemmer(),
            _ => throw new ArgumentOutOfRangeException(nameof(language)),
        };
        stemmer.SetCurrent(token);
        stemmer.Stem();
        var stem = stemmer.Current;
        return stem.Length > 0 ? stem : token;
    }

    private static StemLanguage LanguageOf(string token, string? documentLanguage)
    {
        var first = token[0];
        if (first is >= '\u0400' and <= '\u04FF')
        {
            if (token.AsSpan().IndexOfAny(LanguageDetector.UkrainianOnlyLetters) >= 0)
            {
                return StemLanguage.Ukrainian;
            }

            if (token.AsSpan().IndexOfAny(LanguageDetector.RussianOnlyLetters) >= 0)
            {
                return StemLanguage.Russian;
            }

            return documentLanguage == "uk" ? StemLanguage.Ukrainian : StemLanguage.Russian;
        }

        if (first is >= 'a' and <= 'z' or >= '\u00C0' and <= '\u024F')
        {
            return documentLanguage switch
            {
                "de" => StemLanguage.German,
                "fr" => StemLanguage.French,
                "es" => StemLanguage.Spanish,
                _ => StemLanguage.English,
            };
        }

        return StemLanguage.None;
    }

    private enum StemLanguage
    {
        None = 0,
        English = 1,
        Russian = 2,
        Ukrainian = 3,
        German = 4,
        French = 5,
        Spanish = 6,
    }
}

/// <summary>
/// A light suffix stripper for Ukrainian (Lucene.Net 4.8 has no Ukrainian analyzer: its Morfologik one is not in
/// Lucene.Net.Analysis.Common and not on our package feed). In the manner of Snowball's Russian stemmer: a reflexive
/// ending (-ся, -сь) comes off, then the longest inflectional ending of nouns, adjectives, participles and verbs, then
/// a soft sign, keeping a stem of at least three letters with a vowel in it. So "північнокорейські", "-ських",
/// "-ськими" all give "північнокорейськ", and "Курській", "Курської", "Курську" give "курськ". It does not undo
/// stem alternations (рука/руці) and stems derivational families no further than their endings.
/// </summary>
public static class UkrainianLightStemmer
{
    private const string Vowels = "аеиіїоуюяє";

    // Sorted longest first at start-up; order within a length does not matter, as no two differ only in order.
    private static readonly string[] Endings =
    [
        // nouns
        "ами", "ями", "ові", "еві", "єві", "ах", "ях", "ів", "їв", "ою", "ею", "єю", "ом", "ем", "єм", "ам", "ям", "ей",
        // adjectives and participles
        "ого", "ього", "ому", "ьому", "ими", "іми", "ій", "ий", "их", "іх", "им", "ім", "ої", "ую", "юю", "ая", "яя", "ее",
        // verbs
        "ють", "ать", "ять", "уть", "ити", "ати", "яти", "іти", "ути", "ити", "ла", "ло", "ли", "ти", "ть", "ає", "яє",
        "ує", "ює", "ить", "іть", "ете", "ите", "емо", "имо", "аю", "яю", "ую",
        // single letters
        "а", "я", "о", "е", "є", "и", "і", "ї", "у", "ю", "й", "ь",
    ];

    private static readonly string[] Sorted = Endings.Distinct().OrderByDescending(e => e.Length).ToArray();

    public static string Stem(string token)
    {
        var word = token;
        foreach (var reflexive in (ReadOnlySpan<string>)["ся", "сь"])
        {
            if (word.EndsWith(reflexive, StringComparison.Ordinal) && IsStem(word.AsSpan(0, word.Length - 2)))
            {
                word = word[..^2];
                break;
            }
        }

        foreach (var ending in Sorted)
        {
            if (word.EndsWith(ending, StringComparison.Ordinal) && IsStem(word.AsSpan(0, word.Length - ending.Length)))
            {
                word = word[..^ending.Length];
                break;
            }
        }

        if (word.EndsWith('ь') && IsStem(word.AsSpan(0, word.Length - 1)))
        {
            word = word[..^1];
        }

        return word;
    }

    private static bool IsStem(ReadOnlySpan<char> stem) => stem.Length >= 3 && stem.IndexOfAny(Vowels) >= 0;
}
