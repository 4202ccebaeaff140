namespace NarrativeMonitor.StanceModel.Text;

/// <summary>A word of a text: hash of its lower-cased, lightly stemmed form, its character span, and whether a sentence ends after it.</summary>
internal record struct RawToken(ulong Hash, int Start, int End, bool EndsSentence);

/// <summary>Splits text into lower-cased, lightly stemmed word hashes without allocating strings.</summary>
internal static class Tokenizer
{
    private const int MaxWord = 48;

    public static void ForEachToken(string text, Action<ulong, int, int> onToken)
    {
        var tokens = new List<RawToken>();
        Tokenize(text, tokens);
        foreach (var t in tokens)
        {
            onToken(t.Hash, t.Start, t.End);
        }
    }

    public static void Tokenize(string text, List<RawToken> tokens)
    {
        Span<char> word = stackalloc char[MaxWord];
        var i = 0;
        var n = text.Length;
        while (i < n)
        {
            var ch = text[i];
            if (!char.IsLetterOrDigit(ch))
            {
                if (tokens.Count > 0 && IsSentenceBreak(text, i))
                {
                    var last = tokens[^1];
                    tokens[^1] = last with { EndsSentence = true };
                }

                i++;
                continue;
            }

            var start = i;
            var length = 0;
            while (i < n)
            {
                ch = text[i];
                if (char.IsLetterOrDigit(ch))
                {
                    if (length < MaxWord)
                    {
                        word[length++] = char.ToLowerInvariant(ch);
                    }

                    i++;
                }
                else if ((ch == '\'' || ch == '\u2019') && i + 1 < n && char.IsLetter(text[i + 1]))
                {
                    i++;
                }
                else
                {
                    break;
                }
            }

            length = Stem(word[..length]);
            tokens.Add(new RawToken(Hash(word[..length]), start, i, false));
        }
    }

    private static bool IsSentenceBreak(string text, int i)
    {
        var ch = text[i];
        if (ch == '\n')
        {
            return true;
        }

        if (ch is not ('.' or '!' or '?'))
        {
            return false;
        }

        var next = i + 1 < text.Length ? text[i + 1] : ' ';
        if (!(char.IsWhiteSpace(next) || next is '"' or '\u201D' or '\'' or '\u2019' or ')'))
        {
            return false;
        }

        // "U.S. officials", "Mr. Smith": a single letter or a title before the period does not end the sentence.
        var wordStart = i;
        while (wordStart > 0 && char.IsLetter(text[wordStart - 1]))
        {
            wordStart--;
        }

        var wordLength = i - wordStart;
        if (ch == '.' && (wordLength == 1 || (wordLength <= 3 && wordLength > 0 && char.IsUpper(text[wordStart]) && IsTitle(text.AsSpan(wordStart, wordLength)))))
        {
            return false;
        }

        return true;
    }

    private static bool IsTitle(ReadOnlySpan<char> w) =>
        w is "Mr" or "Mrs" or "Ms" or "Dr" or "St" or "Jr" or "Sr" or "Gen" or "Col" or "Sgt" or "Lt" or "No" or "Inc" or "Co" or "vs";

    /// <summary>A light suffix stripper: enough to match plurals and simple inflections on both sides.</summary>
    internal static int Stem(Span<char> w)
    {
        var n = w.Length;
        if (n > 4 && w.EndsWith("ies"))
        {
            w[n - 3] = 'y';
            return n - 2;
        }

        if (n > 4 && w.EndsWith("sses"))
        {
            return n - 2;
        }

        if (n > 5 && w.EndsWith("ing"))
        {
            return n - 3;
        }

        if (n > 4 && w.EndsWith("ed") && !w.EndsWith("eed"))
        {
            return n - 2;
        }

        if (n > 3 && w[n - 1] == 's' && w[n - 2] is not ('s' or 'u' or 'i'))
        {
            return n - 1;
        }

        return n;
    }

    internal static ulong Hash(ReadOnlySpan<char> s)
    {
        var h = 14695981039346656037UL;
        foreach (var c in s)
        {
            h ^= c;
            h *= 1099511628211UL;
        }

        return h;
    }
}
