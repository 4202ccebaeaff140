namespace NarrativeMonitor.StanceModel.Text;

/// <summary>
/// Cue phrases by the stemmed hash of their first token, as <see cref="Lexicon"/> and <see cref="DomainLexicon"/> match
/// them: a phrase marks the token it starts at. Cues are the bits of a ushort-backed flags enum.
/// </summary>
internal sealed class PhraseTable
{
    private readonly Dictionary<ulong, (ushort Cue, ulong[] Tokens)[]> _byFirstToken;

    public PhraseTable(IEnumerable<(ushort Cue, string Phrase)> phrases)
    {
        var tokens = new List<RawToken>();
        _byFirstToken = phrases
            .Select(p =>
            {
                tokens.Clear();
                Tokenizer.Tokenize(p.Phrase, tokens);
                return (p.Cue, Tokens: tokens.Select(t => t.Hash).ToArray());
            })
            .Where(p => p.Tokens.Length > 0)
            .GroupBy(p => p.Tokens[0])
            .ToDictionary(g => g.Key, g => g.ToArray());
    }

    /// <summary>The cues, or-ed, of the phrases that start at <paramref name="hashes"/>[<paramref name="i"/>] and end within it.</summary>
    public ushort At(ReadOnlySpan<ulong> hashes, int i)
    {
        if (!_byFirstToken.TryGetValue(hashes[i], out var phrases))
        {
            return 0;
        }

        ushort cues = 0;
        foreach (var (cue, tokens) in phrases)
        {
            if (i + tokens.Length <= hashes.Length && hashes.Slice(i, tokens.Length).SequenceEqual(tokens))
            {
                cues |= cue;
            }
        }

        return cues;
    }
}
