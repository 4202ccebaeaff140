using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace NarrativeMonitor.Ingest;

/// <summary>Text clean-up and the content hash that makes trivially reformatted copies of an article equal.</summary>
public static class TextNormalizer
{
    /// <summary>
    /// Unicode NFC, control and invisible characters removed, every whitespace run (line breaks included) collapsed to
    /// one space, trimmed. For titles and names.
    /// </summary>
    public static string NormalizeLine(string? text) => Normalize(text, keepLineBreaks: false);

    /// <summary>
    /// As <see cref="NormalizeLine"/>, but a whitespace run holding one line break becomes "\n" and one holding more
    /// becomes "\n\n", so paragraphs survive for the classifier.
    /// </summary>
    public static string NormalizeBody(string? text) => Normalize(text, keepLineBreaks: true);

    /// <summary>
    /// SHA-256 (lower-case hex) of the title and body with case, punctuation, symbols and whitespace folded away:
    /// compatibility-normalized (NFKC), lower-cased, reduced to the runs of letters, digits and combining marks
    /// separated by single spaces. Copies that differ only in layout, quotes or capitalization hash equal.
    /// </summary>
    public static string ContentHash(string title, string body)
    {
        var folded = new StringBuilder(title.Length + body.Length + 1);
        AppendFolded(folded, title);
        folded.Append('\n');
        AppendFolded(folded, body);
        var bytes = Encoding.UTF8.GetBytes(folded.ToString());
        return Convert.ToHexStringLower(SHA256.HashData(bytes));
    }

    private static string Normalize(string? text, bool keepLineBreaks)
    {
        if (string.IsNullOrEmpty(text))
        {
            return "";
        }

        var composed = text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        var result = new StringBuilder(composed.Length);
        var pendingSpace = false;
        var pendingBreaks = 0;
        foreach (var c in composed)
        {
            if (IsLineBreak(c))
            {
                pendingSpace = true;
                pendingBreaks++;
                continue;
            }

            if (char.IsWhiteSpace(c))
            {
                pendingSpace = true;
                continue;
            }

            if (IsRemoved(c))
            {
                continue;
            }

            if (pendingSpace && result.Length > 0)
            {
                if (keepLineBreaks && pendingBreaks > 0)
                {
                    result.Append(pendingBreaks > 1 ? "\n\n" : "\n");
                }
                else
                {
                    result.Append(' ');
                }
            }

            pendingSpace = false;
            pendingBreaks = 0;
            result.Append(c);
        }

        return result.ToString();
    }

    // "\r\n" counts as two breaks, which would turn every Windows line end into a paragraph: count only '\n' and the
    // Unicode separators, and treat a lone '\r' (old Mac line ends) as whitespace-only.
    private static bool IsLineBreak(char c) => c is '\n' or '\u2028' or '\u2029' or '\u0085' or '\v' or '\f';

    // Control characters, plus the invisible ones that only break matching (zero-width space, BOM, soft hyphen).
    // Zero-width (non-)joiners stay: Persian, Indic scripts and emoji need them.
    private static bool IsRemoved(char c) =>
        char.IsControl(c) || c is '\u200B' or '\uFEFF' or '\u00AD' or '\u2060';

    private static void AppendFolded(StringBuilder folded, string text)
    {
        var compatible = text.Normalize(NormalizationForm.FormKC);
        var separatorPending = false;
        var start = folded.Length;
        Span<char> utf16 = stackalloc char[2];
        foreach (var rune in compatible.EnumerateRunes())
        {
            var category = Rune.GetUnicodeCategory(rune);
            var kept = category is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
                or UnicodeCategory.TitlecaseLetter or UnicodeCategory.ModifierLetter or UnicodeCategory.OtherLetter
                or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.LetterNumber or UnicodeCategory.OtherNumber
                or UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark;
            if (!kept)
            {
                separatorPending = true;
                continue;
            }

            if (separatorPending && folded.Length > start)
            {
                folded.Append(' ');
            }

            separatorPending = false;
            var written = Rune.ToLowerInvariant(rune).EncodeToUtf16(utf16);
            folded.Append(utf16[..written]);
        }
    }
}
