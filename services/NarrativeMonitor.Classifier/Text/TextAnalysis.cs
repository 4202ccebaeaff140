using System.Globalization;

namespace NarrativeMonitor.Classifier.Text;

/// <summary>A sentence of a text: its trimmed text and its lower-cased tokens with their normalized forms.</summary>
public sealed class Sentence
{
    public Sentence(int index, string text, string? language = null)
    {
        Index = index;
        Text = text;
        var tokens = Tokenizer.TokenizeToArray(text);
        Tokens = tokens;
        TokenArray = tokens;
        var stems = new string[tokens.Length];
        for (var i = 0; i < stems.Length; i++)
        {
            stems[i] = Normalizer.Normalize(tokens[i], language);
        }

        Stems = stems;
        StemArray = stems;
        StemHashSet = new HashSet<string>(stems, StringComparer.Ordinal);
        StemSet = StemHashSet;
    }

    public int Index { get; }

    public string Text { get; }

    /// <summary>Lower-cased tokens in order, stop words included (phrases and cues are matched against them).</summary>
    public IReadOnlyList<string> Tokens { get; }

    /// <summary>Normalized form of each token, aligned with <see cref="Tokens"/>.</summary>
    public IReadOnlyList<string> Stems { get; }

    public IReadOnlySet<string> StemSet { get; }

    // The same data as concrete types, so hot loops neither box enumerators nor dispatch through interfaces.
    internal string[] TokenArray { get; }

    internal string[] StemArray { get; }

    internal HashSet<string> StemHashSet { get; }
}

/// <summary>Splits text into sentences on '.', '!', '?', '…' and line breaks, without splitting after abbreviations.</summary>
public static class SentenceSplitter
{
    // Lower-cased, without the final period. Single letters ("U.S.", "J. Smith") are handled separately.
    private static readonly HashSet<string> Abbreviations = new(StringComparer.Ordinal)
    {
        "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "cpt", "sgt", "adm", "cmdr", "gov", "sen",
        "rep", "rev", "st", "sr", "jr", "vs", "etc", "e.g", "i.e", "no", "nos", "approx", "dept", "est", "fig", "inc",
        "ltd", "co", "corp", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
        "u.s", "u.k", "u.n", "e.u",
        "г", "гг", "т", "д", "тыс", "млн", "млрд", "руб", "ул", "им", "см", "стр", "п", "пос", "обл", "р-н", "т.е",
        "т.д", "т.п", "др", "пр", "ген", "полк", "ст",
    };

    private static readonly char[] Terminators = ['.', '!', '?', '…'];

    public static IReadOnlyList<string> Split(string text)
    {
        var sentences = new List<string>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return sentences;
        }

        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c is '\n' or '\r' or '\u2029')
            {
                Add(sentences, text, start, i);
                start = i + 1;
                continue;
            }

            if (Array.IndexOf(Terminators, c) < 0)
            {
                continue;
            }

            // Take runs such as "?!" or "..." and closing quotes and brackets with the sentence.
            var end = i + 1;
            while (end < text.Length && (Array.IndexOf(Terminators, text[end]) >= 0 || IsClosing(text[end])))
            {
                end++;
            }

            if (end < text.Length && !char.IsWhiteSpace(text[end]))
            {
                i = end - 1;
                continue; // "3.5", "U.S.", "example.com"
            }

            if (c == '.' && IsAbbreviation(text, i))
            {
                i = end - 1;
                continue;
            }

            var next = end;
            while (next < text.Length && text[next] is ' ' or '\t')
            {
                next++;
            }

            if (next < text.Length && char.IsLower(text[next]))
            {
                i = end - 1;
                continue; // a lower-case continuation is not a new sentence
            }

            Add(sentences, text, start, end);
            start = end;
            i = end - 1;
        }

        Add(sentences, text, start, text.Length);
        return sentences;
    }

    private static bool IsClosing(char c) =>
        c is '"' or '\'' or ')' or ']' or '»' or '”' or '’' or '“';

    private static bool IsAbbreviation(string text, int period)
    {
        var wordStart = period;
        while (wordStart > 0 && (char.IsLetter(text[wordStart - 1]) || text[wordStart - 1] is '.' or '-'))
        {
            wordStart--;
        }

        var word = text[wordStart..period];
        if (word.Length == 0)
        {
            return false;
        }

        if (word.Length == 1 && char.IsUpper(word[0]))
        {
            return true; // initials: "J. Smith"
        }

        if (word.Contains('.') && word.Split('.').All(part => part.Length == 1))
        {
            return true; // "U.S", "т.е"
        }

        return Abbreviations.Contains(word.ToLowerInvariant());
    }

    private static void Add(List<string> sentences, string text, int start, int end)
    {
        if (end <= start)
        {
            return;
        }

        var sentence = text[start..end].Trim();
        if (sentence.Any(char.IsLetterOrDigit))
        {
            sentences.Add(sentence);
        }
    }
}

/// <summary>Lower-cased runs of Unicode letters and digits (any script); apostrophes and hyphens separate tokens.</summary>
public static class Tokenizer
{
    public static IReadOnlyList<string> Tokenize(string text) => TokenizeToArray(text);

    internal static string[] TokenizeToArray(string text)
    {
        var tokens = new List<string>();
        var buffer = text.Length <= 512 ? stackalloc char[text.Length] : new char[text.Length];
        var length = 0;
        foreach (var c in text)
        {
            if (char.IsLetterOrDigit(c))
            {
                buffer[length++] = Fold(char.ToLowerInvariant(c));
            }
            else if (length > 0 && char.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark)
            {
                // Combining accents (e.g. Russian stress marks) are dropped rather than splitting the word.
            }
            else if (length > 0)
            {
                tokens.Add(new string(buffer[..length]));
                length = 0;
            }
        }

        if (length > 0)
        {
            tokens.Add(new string(buffer[..length]));
        }

        return tokens.ToArray();
    }

    private static char Fold(char c) => c == 'ё' ? 'е' : c;
}

/// <summary>
/// Brings inflected forms of a word together ("troops"/"troop", "Курской"/"Курск", "північнокорейських"/
/// "північнокорейські") with the stemmer of the token's language; see <see cref="Stemming"/>.
/// </summary>
public static class Normalizer
{
    /// <summary>
    /// The stem of a lower-cased token. <paramref name="language"/> (ISO 639-1), when known, decides Cyrillic tokens
    /// without a letter particular to Russian or Ukrainian, and the stemmer of Latin tokens.
    /// </summary>
    public static string Normalize(string token, string? language) => Stemming.Stem(token, language);

    public static string Normalize(string token) => Stemming.Stem(token);
}

/// <summary>English and Russian function words, left out of claim and topic terms.</summary>
public static class StopWords
{
    private static readonly HashSet<string> Words = new(StringComparer.Ordinal)
    {
        // English
        "a", "an", "the", "and", "or", "but", "nor", "of", "in", "on", "at", "to", "for", "from", "by", "with", "without",
        "as", "into", "onto", "about", "over", "under", "after", "before", "between", "through", "during", "against",
        "is", "are", "was", "were", "be", "been", "being", "am", "has", "have", "had", "do", "does", "did", "will",
        "would", "shall", "should", "can", "could", "may", "might", "must", "it", "its", "this", "that", "these", "those",
        "there", "here", "he", "she", "they", "them", "his", "her", "their", "we", "our", "us", "you", "your", "i", "me",
        "my", "who", "whom", "which", "what", "when", "where", "why", "how", "not", "no", "so", "than", "then", "also",
        "s", "t", "said", "says", "say", "up", "out", "some", "any", "all", "more", "most", "other", "such", "very",
        "just", "only", "own", "same", "too", "if", "because", "while", "both", "each", "few", "new", "near",
        // Russian
        "и", "в", "во", "не", "что", "он", "на", "я", "с", "со", "как", "а", "то", "все", "она", "так", "его", "но",
        "да", "ты", "к", "у", "же", "вы", "за", "бы", "по", "только", "ее", "мне", "было", "вот", "от", "меня", "еще",
        "нет", "о", "из", "ему", "теперь", "когда", "даже", "ну", "вдруг", "ли", "если", "уже", "или", "ни", "быть",
        "был", "него", "до", "вас", "нибудь", "опять", "уж", "вам", "ведь", "там", "потом", "себя", "ничего", "ей",
        "может", "они", "тут", "где", "есть", "надо", "ней", "для", "мы", "тебя", "их", "чем", "была", "сам", "чтоб",
        "без", "будто", "чего", "раз", "тоже", "себе", "под", "будет", "ж", "тогда", "кто", "этот", "того", "потому",
        "этого", "какой", "совсем", "ним", "здесь", "этом", "один", "почти", "мой", "тем", "чтобы", "нее", "были",
        "куда", "зачем", "всех", "никогда", "можно", "при", "наконец", "два", "об", "другой", "хоть", "после", "над",
        "больше", "тот", "через", "эти", "нас", "про", "всего", "них", "какая", "много", "разве", "три", "эту", "моя",
        "впрочем", "хорошо", "свою", "этой", "перед", "иногда", "лучше", "чуть", "том", "нельзя", "такой", "им",
        "более", "всегда", "конечно", "всю", "между", "это", "также", "заявил", "сообщил",
    };

    public static bool Contains(string token) => Words.Contains(token);
}
