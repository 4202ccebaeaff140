namespace NarrativeMonitor.StanceModel.Text;

[Flags]
internal enum Cue : ushort
{
    None = 0,
    Stop = 1,
    Negation = 2,
    Refute = 4,
    Hedge = 8,
    Confirm = 16,
    Deflect = 32,
    Dismissal = 64,
    Question = 128,
}

/// <summary>Stop words and stance cue words/phrases, matched on stemmed token hashes.</summary>
internal static class Lexicon
{
    private static readonly string[] StopWords =
    [
        "a", "an", "the", "and", "or", "but", "if", "of", "at", "by", "for", "with", "about", "to", "from", "in", "on",
        "into", "onto", "over", "under", "up", "down", "out", "off", "as", "is", "are", "was", "were", "be", "been",
        "being", "am", "has", "have", "had", "having", "do", "does", "did", "doing", "will", "would", "shall", "should",
        "can", "could", "may", "might", "must", "this", "that", "these", "those", "it", "its", "he", "him", "his", "she",
        "her", "hers", "they", "them", "their", "theirs", "we", "us", "our", "you", "your", "i", "me", "my", "who", "whom",
        "whose", "which", "what", "when", "where", "why", "how", "than", "then", "there", "here", "so", "such", "too",
        "very", "just", "also", "only", "own", "same", "other", "some", "any", "each", "all", "both", "few", "more",
        "most", "s", "t", "said", "says", "say", "after", "before", "while", "during", "because", "until", "again",
        "further", "once", "between", "through", "against", "above", "below", "new", "one", "two", "like", "now", "via",
    ];

    private static readonly string[] NegationWords =
    [
        "not", "no", "never", "none", "nobody", "nothing", "neither", "nor", "nowhere", "without", "cannot", "cant",
        "dont", "doesnt", "didnt", "isnt", "arent", "wasnt", "werent", "wont", "wouldnt", "couldnt", "shouldnt",
        "hasnt", "havent", "hadnt", "aint", "nope",
    ];

    private static readonly string[] RefuteWords =
    [
        "fake", "fakes", "faked", "fraud", "fraudulent", "hoax", "hoaxes", "false", "falsely", "deny", "denies", "denied",
        "denial", "despite", "nope", "doubt", "doubts", "doubtful", "debunk", "debunks", "debunked", "refute", "refutes",
        "refuted", "retract", "retracts", "retracted", "retraction", "bogus", "untrue", "misleading", "incorrect",
        "wrong", "satire", "satirical", "myth", "lie", "lies", "lied", "baseless", "unfounded", "dismiss", "dismissed",
        "dismisses", "reject", "rejects", "rejected", "fabricated", "fabrication", "fiction", "prank", "pranks",
        "photoshopped", "doctored", "rumour", "rumor", "rumours", "rumors", "nonsense", "ridiculous", "absurd",
        "disputed", "disputes", "contradict", "contradicts", "erroneous", "mistaken", "spoof", "parody", "clickbait",
        "conspiracy", "scam",
    ];

    private static readonly string[] HedgeWords =
    [
        "reportedly", "allegedly", "alleged", "alleges", "claim", "claims", "claimed", "unconfirmed", "unverified",
        "purportedly", "purported", "apparently", "appears", "appear", "seemingly", "supposedly", "rumored", "rumoured",
        "speculation", "speculate", "speculated", "possibly", "possible", "perhaps", "may", "might", "could", "suggest",
        "suggests", "suggested", "believed", "thought", "report", "reports", "reported", "according", "unclear",
        "uncertain", "investigate", "investigating", "investigation", "whether", "if", "likely", "unlikely",
    ];

    private static readonly string[] ConfirmWords =
    [
        "confirm", "confirms", "confirmed", "confirmation", "officially", "official", "announced", "announces",
        "verified", "verify", "true", "indeed", "revealed", "reveals", "proof", "proved", "proves", "evidence",
        "acknowledged", "acknowledges", "admitted", "admits", "actually", "definitely", "certainly",
    ];

    private static readonly string[] DeflectPhrases =
    [
        "declined to comment", "declined to confirm", "declined to discuss", "refused to comment", "refused to confirm",
        "no comment", "neither confirm nor deny", "neither confirmed nor denied", "would not comment", "would not confirm",
        "did not respond", "did not comment", "nothing to add", "not in a position to", "no information",
        "could not confirm", "could not be reached", "not aware of", "without confirming", "decline to comment",
        "unable to confirm", "cannot confirm", "can not confirm", "refrained from commenting",
    ];

    private static readonly string[] HedgePhrases = ["according to", "it is said", "have not been", "has not been", "yet to be"];

    private static readonly string[] DismissalPhrases = ["so called", "so-called", "fake news", "not true", "no evidence", "no truth", "no basis", "no proof", "not real"];

    private static readonly Dictionary<ulong, Cue> WordCues = BuildWordCues();

    /// <summary>Deflection, hedging and dismissal phrases.</summary>
    public static readonly PhraseTable Phrases = new(
        DeflectPhrases.Select(p => ((ushort)Cue.Deflect, p))
            .Concat(HedgePhrases.Select(p => ((ushort)Cue.Hedge, p)))
            .Concat(DismissalPhrases.Select(p => ((ushort)Cue.Dismissal, p))));

    private static readonly Dictionary<ulong, int> CueWordIds = NegationWords.Concat(RefuteWords).Concat(HedgeWords).Concat(ConfirmWords)
        .Select(HashOfWord).Distinct().Select((h, i) => (h, i)).ToDictionary(x => x.h, x => x.i);

    public static Cue CueOf(ulong stemHash) => WordCues.GetValueOrDefault(stemHash);

    /// <summary>Number of distinct stemmed cue words; each gets features of its own.</summary>
    public static int CueWordCount => CueWordIds.Count;

    /// <summary>Index of a stemmed cue word in [0, <see cref="CueWordCount"/>), or -1.</summary>
    public static int CueWordId(ulong stemHash) => CueWordIds.GetValueOrDefault(stemHash, -1);

    public static ulong HashOfWord(string word)
    {
        var hashes = new List<ulong>();
        Tokenizer.ForEachToken(word, (hash, _, _) => hashes.Add(hash));
        return hashes.Count == 1 ? hashes[0] : 0;
    }

    private static Dictionary<ulong, Cue> BuildWordCues()
    {
        var cues = new Dictionary<ulong, Cue>();
        void Add(IEnumerable<string> words, Cue cue)
        {
            foreach (var w in words)
            {
                var h = HashOfWord(w);
                cues[h] = cues.GetValueOrDefault(h) | cue;
            }
        }

        Add(StopWords, Cue.Stop);
        Add(NegationWords, Cue.Negation | Cue.Stop);
        Add(RefuteWords, Cue.Refute);
        Add(HedgeWords, Cue.Hedge);
        Add(ConfirmWords, Cue.Confirm);
        return cues;
    }
}
