namespace NarrativeMonitor.StanceModel.Text;

/// <summary>
/// A text analysed once for many comparisons: stemmed token hashes with cues, sentences with TF-IDF vectors,
/// whole-text TF-IDF vector, content bigrams and character 4-grams.
/// </summary>
internal sealed class ProcessedText
{
    private const int LeadSentences = 2;

    public ProcessedText(string text, IdfVocabulary idf)
    {
        Text = text;
        var raw = new List<RawToken>(Math.Max(16, text.Length / 5));
        Tokenizer.Tokenize(text, raw);
        var n = raw.Count;
        Hashes = new ulong[n];
        Cues = new Cue[n];
        CueWords = new short[n];
        int[]? cueWordCounts = null;
        TokenStarts = new int[n];
        var sentenceStarts = new List<int> { 0 };
        for (var i = 0; i < n; i++)
        {
            Hashes[i] = raw[i].Hash;
            Cues[i] = Lexicon.CueOf(raw[i].Hash);
            var cueWord = Lexicon.CueWordId(raw[i].Hash);
            CueWords[i] = (short)cueWord;
            if (cueWord >= 0)
            {
                (cueWordCounts ??= new int[Lexicon.CueWordCount])[cueWord]++;
            }

            TokenStarts[i] = raw[i].Start;
            if (raw[i].EndsSentence && i + 1 < n)
            {
                sentenceStarts.Add(i + 1);
            }
        }

        sentenceStarts.Add(n);
        CueWordCounts = cueWordCounts ?? NoCueWords;
        SentenceTokenStart = sentenceStarts.ToArray();
        for (var i = 0; i < n; i++)
        {
            Cues[i] |= (Cue)Lexicon.Phrases.At(Hashes, i);
        }

        HasQuestion = text.Contains('?');
        SentenceEnds = new int[SentenceCount];
        for (var s = 0; s < SentenceCount; s++)
        {
            var last = SentenceTokenStart[s + 1] - 1;
            SentenceEnds[s] = last >= 0 ? raw[last].End : 0;
        }

        var counts = new Dictionary<ulong, int>();
        var sentenceCounts = new Dictionary<ulong, int>();
        var sTerms = new List<ulong>(n);
        var sWeights = new List<float>(n);
        var offsets = new int[SentenceCount + 1];
        var bigrams = new LongSet(n);
        var lead = new HashSet<ulong>();
        ulong previous = 0;
        for (var s = 0; s < SentenceCount; s++)
        {
            sentenceCounts.Clear();
            for (var i = SentenceTokenStart[s]; i < SentenceTokenStart[s + 1]; i++)
            {
                if ((Cues[i] & Cue.Stop) != 0)
                {
                    continue;
                }

                var h = Hashes[i];
                ContentCount++;
                counts[h] = counts.GetValueOrDefault(h) + 1;
                sentenceCounts[h] = sentenceCounts.GetValueOrDefault(h) + 1;
                if (previous != 0)
                {
                    bigrams.Add(Bigram(previous, h));
                }

                previous = h;
                if (s < LeadSentences)
                {
                    lead.Add(h);
                }
            }

            offsets[s] = sTerms.Count;
            double norm = 0;
            foreach (var (term, count) in sentenceCounts)
            {
                var w = (float)((1 + Math.Log(count)) * idf[term]);
                sTerms.Add(term);
                sWeights.Add(w);
                norm += w * w;
            }

            if (norm > 0)
            {
                var inv = (float)(1 / Math.Sqrt(norm));
                for (var k = offsets[s]; k < sTerms.Count; k++)
                {
                    sWeights[k] *= inv;
                }
            }
        }

        offsets[SentenceCount] = sTerms.Count;
        SentenceTerms = sTerms.ToArray();
        SentenceWeights = sWeights.ToArray();
        SentenceTermOffsets = offsets;
        TermCounts = counts;
        Bigrams = bigrams;
        LeadTerms = lead;

        var vector = new Dictionary<ulong, float>(counts.Count);
        double total = 0;
        foreach (var (term, count) in counts)
        {
            var w = (float)((1 + Math.Log(count)) * idf[term]);
            vector[term] = w;
            total += w * w;
        }

        if (total > 0)
        {
            var inv = (float)(1 / Math.Sqrt(total));
            foreach (var term in counts.Keys)
            {
                vector[term] *= inv;
            }
        }

        Vector = vector;
        CharGrams = CharGramsOf(text);
    }

    public string Text { get; }

    public ulong[] Hashes { get; }

    public Cue[] Cues { get; }

    public int[] TokenStarts { get; }

    /// <summary>Per token: its <see cref="Lexicon.CueWordId"/>, or -1.</summary>
    public short[] CueWords { get; }

    /// <summary>Per <see cref="Lexicon.CueWordId"/>: how often it occurs. Read-only: texts without cue words (most claim statements) share one array.</summary>
    public int[] CueWordCounts { get; }

    private static readonly int[] NoCueWords = new int[Lexicon.CueWordCount];

    public int TokenCount => Hashes.Length;

    /// <summary>Token index where each sentence starts, plus the token count at the end.</summary>
    public int[] SentenceTokenStart { get; }

    public int[] SentenceEnds { get; }

    public int SentenceCount => SentenceTokenStart.Length - 1;

    public ulong[] SentenceTerms { get; }

    public float[] SentenceWeights { get; }

    public int[] SentenceTermOffsets { get; }

    public Dictionary<ulong, int> TermCounts { get; }

    public Dictionary<ulong, float> Vector { get; }

    public LongSet Bigrams { get; }

    public HashSet<ulong> LeadTerms { get; private set; }

    /// <summary>
    /// For a text only ever compared as the headline (a claim's statement, kept for as long as the claim is active):
    /// drops the parts only an article's side is looked up in. Saves about a third of a prepared claim's memory.
    /// </summary>
    public void KeepHeadlineParts()
    {
        CharGrams.Freeze();
        Bigrams.Freeze();
        LeadTerms = [];
    }

    public LongSet CharGrams { get; }

    public int ContentCount { get; }

    public bool HasQuestion { get; }

    public string SentenceText(int s) => SentenceSpan(s).ToString();

    /// <summary>Sentence <paramref name="s"/> with its closing punctuation; out of range: the text's first 300 characters.</summary>
    public ReadOnlySpan<char> SentenceSpan(int s)
    {
        if (s < 0 || s >= SentenceCount || SentenceTokenStart[s] >= TokenCount)
        {
            return Text.AsSpan(0, Math.Min(300, Text.Length));
        }

        var start = TokenStarts[SentenceTokenStart[s]];
        var end = Math.Min(Text.Length, SentenceEnds[s] + 1);
        return Text.AsSpan(start, end - start).Trim();
    }

    public static ulong Bigram(ulong a, ulong b) => (a * 31) ^ (b + 0x9E3779B97F4A7C15UL);

    /// <summary>Character 4-grams of the lower-cased letters and digits, other runs collapsed to one space; each packed losslessly into 64 bits.</summary>
    public static LongSet CharGramsOf(string text)
    {
        var grams = new LongSet(text.Length);
        ulong window = 0;
        var filled = 0;
        var lastWasSpace = true;
        foreach (var raw in text)
        {
            char c;
            if (char.IsLetterOrDigit(raw))
            {
                c = char.ToLowerInvariant(raw);
                lastWasSpace = false;
            }
            else if (raw is '\'' or '\u2019')
            {
                continue;
            }
            else
            {
                if (lastWasSpace)
                {
                    continue;
                }

                c = ' ';
                lastWasSpace = true;
            }

            window = (window << 16) | c;
            if (++filled >= 4)
            {
                grams.Add(window);
            }
        }

        return grams;
    }
}
