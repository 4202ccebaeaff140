using NarrativeMonitor.Classifier.Text;

namespace NarrativeMonitor.Classifier;

/// <summary>
/// Claims prepared by <see cref="RuleBasedStanceClassifier"/>: their terms and phrases, and an inverted index from
/// terms to claims, so an article is compared only with the claims it shares a term with. Immutable.
/// </summary>
public sealed class RuleBasedPreparedClaims : IPreparedClaims
{
    /// <summary>Keyword words at least this long (without digits) also match words they begin ("северокорейск" -> "северокорейские").</summary>
    public const int MinPrefixLength = 4;

    private readonly PreparedClaim[] _claims;
    private readonly Dictionary<string, int[]> _exact;
    private readonly Dictionary<string, int[]> _prefixes;
    private readonly int _longestPrefix;

    // The narrower index Classify uses: a claim is scored only against the sentences that could be about it or its
    // topic, and only when the article can be (see ArticleMatcher). Phrase words map to claim * 2, plus 1 for a topic
    // keyword; statement words to the claims they are distinctive for; topic words to the claims of that topic.
    private readonly Dictionary<string, int[]> _phraseWords;
    private readonly Dictionary<string, int[]> _phrasePrefixes;
    private readonly int _longestPhrasePrefix;
    private readonly Dictionary<string, int[]> _distinctiveTerms;
    private readonly Dictionary<string, int[]> _topicTerms;

    internal RuleBasedPreparedClaims(IReadOnlyList<ClaimDefinition> claims)
    {
        Claims = claims.ToArray();
        _claims = Claims.Select(c => new PreparedClaim(c)).ToArray();

        var exact = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var prefixes = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < _claims.Length; i++)
        {
            foreach (var term in _claims[i].IndexTerms)
            {
                Add(exact, term, i);
            }

            foreach (var prefix in _claims[i].IndexPrefixes)
            {
                Add(prefixes, prefix, i);
            }
        }

        _exact = exact.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        _prefixes = prefixes.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);
        _longestPrefix = _prefixes.Count == 0 ? 0 : _prefixes.Keys.Max(k => k.Length);

        var phraseWords = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var phrasePrefixes = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var distinctiveTerms = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var topicTerms = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        for (var i = 0; i < _claims.Length; i++)
        {
            var claim = _claims[i];
            foreach (var (phrases, code) in new[] { (claim.Keywords, 2 * i), (claim.TopicKeywords, 2 * i + 1) })
            {
                foreach (var phrase in phrases)
                {
                    foreach (var position in phrase.IndexPositions)
                    {
                        Add(phraseWords, phrase.Tokens[position], code);
                        Add(phraseWords, phrase.Stems[position], code);
                        if (Phrase.IsPrefix(phrase.Stems[position]))
                        {
                            Add(phrasePrefixes, phrase.Stems[position], code);
                        }
                    }
                }
            }

            foreach (var term in claim.DistinctiveTerms)
            {
                Add(distinctiveTerms, term, i);
            }

            foreach (var term in claim.TopicTerms)
            {
                Add(topicTerms, term, i);
            }
        }

        _phraseWords = Freeze(phraseWords);
        _phrasePrefixes = Freeze(phrasePrefixes);
        _longestPhrasePrefix = _phrasePrefixes.Count == 0 ? 0 : _phrasePrefixes.Keys.Max(k => k.Length);
        _distinctiveTerms = Freeze(distinctiveTerms);
        _topicTerms = Freeze(topicTerms);
    }

    private static Dictionary<string, int[]> Freeze(Dictionary<string, List<int>> index) =>
        index.ToDictionary(p => p.Key, p => p.Value.ToArray(), StringComparer.Ordinal);

    public IReadOnlyList<ClaimDefinition> Claims { get; }

    /// <summary>How many distinct terms and prefixes the index holds.</summary>
    public int IndexedTermCount => _exact.Count + _prefixes.Count;

    /// <summary>The claims that share at least one term with the article, in the order they were prepared.</summary>
    public IReadOnlyList<ClaimDefinition> SelectCandidates(ArticleText article) =>
        SelectCandidates(AnalyzedDocument.Create(article)).Select(c => c.Definition).ToArray();

    internal IReadOnlyList<PreparedClaim> SelectCandidates(AnalyzedDocument document)
    {
        var selected = new bool[_claims.Length];
        var exact = _exact.GetAlternateLookup<ReadOnlySpan<char>>();
        var prefixes = _prefixes.GetAlternateLookup<ReadOnlySpan<char>>();
        foreach (var (token, stem) in document.DistinctTokens)
        {
            Mark(selected, exact, stem);
            Mark(selected, exact, token);
            for (var length = MinPrefixLength; length <= Math.Min(token.Length, _longestPrefix); length++)
            {
                Mark(selected, prefixes, token.AsSpan(0, length));
            }
        }

        var candidates = new List<PreparedClaim>();
        for (var i = 0; i < selected.Length; i++)
        {
            if (selected[i])
            {
                candidates.Add(_claims[i]);
            }
        }

        return candidates;
    }

    /// <summary>
    /// The claims the article can be about or on the topic of, each with the sentences that can be about it and those
    /// that can be on its topic, in the order the claims were prepared. Narrower than <see cref="SelectCandidates(ArticleText)"/>
    /// but never leaves out a claim or a sentence that <see cref="PreparedClaim"/> would score above zero: a sentence is
    /// about a claim only if it holds a word of one of its keywords or enough of its distinctive terms to reach the
    /// coverage bar, and on its topic only if it holds a topic keyword word or a topic term.
    /// </summary>
    internal List<ClaimMatch> Match(AnalyzedDocument document)
    {
        var scratch = MatchScratch.For(_claims.Length);
        var words = _phraseWords.GetAlternateLookup<ReadOnlySpan<char>>();
        var prefixes = _phrasePrefixes.GetAlternateLookup<ReadOnlySpan<char>>();
        var sentences = document.Sentences;
        for (var s = 0; s < sentences.Count; s++)
        {
            var sentence = sentences[s];
            var stamp = ++scratch.SentenceStamp;
            foreach (var stem in sentence.StemHashSet)
            {
                if (_distinctiveTerms.TryGetValue(stem, out var claims))
                {
                    foreach (var claim in claims)
                    {
                        if (scratch.CountStamp[claim] != stamp)
                        {
                            scratch.CountStamp[claim] = stamp;
                            scratch.Count[claim] = 0;
                        }

                        if (++scratch.Count[claim] == _claims[claim].DistinctiveTermsNeeded)
                        {
                            scratch.Get(claim, _claims).AddClaimSentence(s);
                        }
                    }
                }

                if (_topicTerms.TryGetValue(stem, out claims))
                {
                    var firstInArticle = scratch.ArticleTopicStems.Add(stem);
                    foreach (var claim in claims)
                    {
                        var match = scratch.Get(claim, _claims);
                        match.AddTopicSentence(s);
                        if (firstInArticle && ++match.TopicTermsInArticle == _claims[claim].TopicTermsNeeded)
                        {
                            match.Candidate = true;
                        }
                    }
                }
            }

            var tokens = sentence.TokenArray;
            var stems = sentence.StemArray;
            for (var i = 0; i < tokens.Length; i++)
            {
                var token = tokens[i];
                if (words.TryGetValue(stems[i], out var codes))
                {
                    Trigger(scratch, codes, s);
                }

                if (!ReferenceEquals(token, stems[i]) && words.TryGetValue(token, out codes))
                {
                    Trigger(scratch, codes, s);
                }

                for (var length = MinPrefixLength; length <= Math.Min(token.Length, _longestPhrasePrefix); length++)
                {
                    if (prefixes.TryGetValue(token.AsSpan(0, length), out codes))
                    {
                        Trigger(scratch, codes, s);
                    }
                }
            }
        }

        return scratch.Collect();
    }

    private void Trigger(MatchScratch scratch, int[] codes, int sentence)
    {
        foreach (var code in codes)
        {
            var match = scratch.Get(code >> 1, _claims);
            if ((code & 1) == 0)
            {
                match.AddClaimSentence(sentence);
            }
            else
            {
                match.AddTopicSentence(sentence);
                match.Candidate = true;
            }
        }
    }

    private static void Mark(bool[] selected, Dictionary<string, int[]>.AlternateLookup<ReadOnlySpan<char>> index, ReadOnlySpan<char> key)
    {
        if (index.TryGetValue(key, out var claims))
        {
            foreach (var claim in claims)
            {
                selected[claim] = true;
            }
        }
    }

    private static void Add(Dictionary<string, List<int>> index, string key, int claim)
    {
        if (!index.TryGetValue(key, out var list))
        {
            index[key] = list = [];
        }

        if (list.Count == 0 || list[^1] != claim)
        {
            list.Add(claim);
        }
    }
}

/// <summary>A claim an article can be about or on the topic of, with the sentences worth scoring for each.</summary>
internal sealed class ClaimMatch(PreparedClaim claim)
{
    private readonly List<int> _claimSentences = [];
    private readonly List<int> _topicSentences = [];

    public PreparedClaim Claim { get; } = claim;

    /// <summary>Whether the claim can be anything but unrelated; otherwise no sentence can be about it or its topic.</summary>
    public bool Candidate { get; set; }

    public int TopicTermsInArticle { get; set; }

    /// <summary>Indexes of the sentences that can be about the claim, ascending.</summary>
    public List<int> ClaimSentences => _claimSentences;

    /// <summary>Indexes of the sentences that can be on the claim's topic, ascending.</summary>
    public List<int> TopicSentences => _topicSentences;

    public void AddClaimSentence(int sentence)
    {
        Candidate = true;
        if (_claimSentences.Count == 0 || _claimSentences[^1] != sentence)
        {
            _claimSentences.Add(sentence);
        }
    }

    public void AddTopicSentence(int sentence)
    {
        if (_topicSentences.Count == 0 || _topicSentences[^1] != sentence)
        {
            _topicSentences.Add(sentence);
        }
    }
}

/// <summary>Per-thread working arrays of <see cref="RuleBasedPreparedClaims.Match"/>, reused across articles.</summary>
internal sealed class MatchScratch
{
    [ThreadStatic]
    private static MatchScratch? _current;

    private ClaimMatch?[] _matches = [];
    private readonly List<int> _touched = [];

    public long SentenceStamp;
    public long[] CountStamp = [];
    public int[] Count = [];
    public readonly HashSet<string> ArticleTopicStems = new(StringComparer.Ordinal);

    public static MatchScratch For(int claimCount)
    {
        var scratch = _current ??= new MatchScratch();
        if (scratch._matches.Length < claimCount)
        {
            scratch._matches = new ClaimMatch?[claimCount];
            scratch.CountStamp = new long[claimCount];
            scratch.Count = new int[claimCount];
        }

        scratch._touched.Clear();
        scratch.ArticleTopicStems.Clear();
        return scratch;
    }

    public ClaimMatch Get(int claim, PreparedClaim[] claims)
    {
        if (_matches[claim] is { } match)
        {
            return match;
        }

        _touched.Add(claim);
        return _matches[claim] = new ClaimMatch(claims[claim]);
    }

    /// <summary>The candidate matches in claim order; resets the arrays for the next article.</summary>
    public List<ClaimMatch> Collect()
    {
        _touched.Sort();
        var result = new List<ClaimMatch>(_touched.Count);
        foreach (var claim in _touched)
        {
            if (_matches[claim]!.Candidate)
            {
                result.Add(_matches[claim]!);
            }

            _matches[claim] = null;
        }

        _touched.Clear();
        ArticleTopicStems.Clear();
        return result;
    }
}

/// <summary>A keyword or topic keyword as a sequence of words.</summary>
internal sealed class Phrase
{
    public Phrase(string text)
    {
        Tokens = Tokenizer.Tokenize(text).ToArray();
        Stems = Tokens.Select(Normalizer.Normalize).ToArray();
    }

    public string[] Tokens { get; }

    public string[] Stems { get; }

    /// <summary>The words worth indexing: not function words, unless the phrase has nothing else (e.g. "US").</summary>
    public IEnumerable<int> IndexPositions
    {
        get
        {
            var content = Enumerable.Range(0, Tokens.Length).Where(i => !StopWords.Contains(Tokens[i])).ToArray();
            return content.Length > 0 ? content : Enumerable.Range(0, Tokens.Length);
        }
    }

    /// <summary>Whether a keyword word also matches the words it begins; never for numbers ("F16" is not "F160").</summary>
    public static bool IsPrefix(string stem) =>
        stem.Length >= RuleBasedPreparedClaims.MinPrefixLength && !stem.Any(char.IsDigit);

    public bool MatchesAt(Sentence sentence, int start)
    {
        if (Tokens.Length == 0 || start + Tokens.Length > sentence.Tokens.Count)
        {
            return false;
        }

        for (var j = 0; j < Tokens.Length; j++)
        {
            var token = sentence.Tokens[start + j];
            var matches = string.Equals(sentence.Stems[start + j], Stems[j], StringComparison.Ordinal)
                || string.Equals(token, Tokens[j], StringComparison.Ordinal)
                || (IsPrefix(Stems[j]) && token.StartsWith(Stems[j], StringComparison.Ordinal));
            if (!matches)
            {
                return false;
            }
        }

        return true;
    }
}

/// <summary>One claim's terms and phrases, and the scoring of sentences against them.</summary>
internal sealed class PreparedClaim
{
    private const double ClaimCoverageThreshold = 0.6;
    private const double TopicCoverageThreshold = 0.6;

    private readonly Phrase[] _keywords;
    private readonly Phrase[] _topicKeywords;
    private readonly HashSet<string> _statementTerms;
    private readonly string[] _distinctiveTerms;
    private readonly HashSet<string> _topicTerms;
    private readonly string[] _predicateTerms;

    public PreparedClaim(ClaimDefinition definition)
    {
        Definition = definition;
        _keywords = Phrases(definition.Keywords);
        _topicKeywords = Phrases(definition.TopicKeywords);
        _statementTerms = ContentStems(definition.Statement);
        _topicTerms = ContentStems(definition.Topic);

        var topicKeywordStems = _topicKeywords.SelectMany(p => p.Stems);
        var distinctive = _statementTerms.Except(_topicTerms).Except(topicKeywordStems).ToArray();
        _distinctiveTerms = distinctive.Length > 0 ? distinctive : _statementTerms.ToArray();

        var keywordStems = _keywords.SelectMany(p => p.Stems).ToHashSet(StringComparer.Ordinal);
        _predicateTerms = _statementTerms.Where(t => !keywordStems.Contains(t) && !_topicKeywords.Any(p => p.Stems.Contains(t))).ToArray();

        var phraseWords = _keywords.Concat(_topicKeywords).SelectMany(p => p.IndexPositions.Select(i => (p.Tokens[i], p.Stems[i]))).ToArray();
        IndexTerms = _statementTerms.Concat(_topicTerms)
            .Concat(phraseWords.Select(w => w.Item1))
            .Concat(phraseWords.Select(w => w.Item2))
            .ToHashSet(StringComparer.Ordinal);
        IndexPrefixes = phraseWords.Select(w => w.Item2).Where(Phrase.IsPrefix)
            .ToHashSet(StringComparer.Ordinal);
        DistinctiveTermsNeeded = Needed(_distinctiveTerms.Length, ClaimCoverageThreshold);
        TopicTermsNeeded = Needed(_topicTerms.Count, TopicCoverageThreshold);
    }

    internal Phrase[] Keywords => _keywords;

    internal Phrase[] TopicKeywords => _topicKeywords;

    internal IReadOnlyList<string> DistinctiveTerms => _distinctiveTerms;

    internal IReadOnlyCollection<string> TopicTerms => _topicTerms;

    /// <summary>How many distinctive terms a sentence needs to be about the claim by coverage alone; int.MaxValue when it cannot.</summary>
    internal int DistinctiveTermsNeeded { get; }

    /// <summary>How many topic terms an article needs to be on topic by coverage alone; int.MaxValue when it cannot.</summary>
    internal int TopicTermsNeeded { get; }

    // The same comparison as the scoring's, so the index and the scoring agree on the bar exactly.
    private static int Needed(int total, double threshold)
    {
        for (var covered = 2; covered <= total; covered++)
        {
            if ((double)covered / total >= threshold)
            {
                return covered;
            }
        }

        return int.MaxValue;
    }

    public ClaimDefinition Definition { get; }

    public IReadOnlySet<string> IndexTerms { get; }

    public IReadOnlySet<string> IndexPrefixes { get; }

    /// <summary>How strongly the sentence states the claim, in (0, 1]; 0 when it is not about the claim.</summary>
    public double ClaimStrength(Sentence sentence) => ClaimStrength(sentence, out _);

    /// <summary>
    /// As <see cref="ClaimStrength(Sentence)"/>; <paramref name="keywordsWithTopic"/> tells whether the sentence names
    /// three claim keywords, or two together with a topic keyword ("41 hospitalised with chlorine poisoning in Tarsel").
    /// </summary>
    public double ClaimStrength(Sentence sentence, out bool keywordsWithTopic)
    {
        var inKeyword = new bool[sentence.Tokens.Count];
        var keywordHits = CountPhraseHits(sentence, _keywords, inKeyword);
        var inTopicKeyword = new bool[sentence.Tokens.Count];
        var topicKeywordHits = CountPhraseHits(sentence, _topicKeywords, inTopicKeyword);

        var otherTerms = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < sentence.Tokens.Count; i++)
        {
            var stem = sentence.Stems[i];
            if (!inKeyword[i] && !inTopicKeyword[i] && !StopWords.Contains(sentence.Tokens[i])
                && (_statementTerms.Contains(stem) || _topicTerms.Contains(stem)))
            {
                otherTerms.Add(stem);
            }
        }

        var covered = _distinctiveTerms.Count(sentence.StemSet.Contains);
        var coverage = (double)covered / _distinctiveTerms.Length;
        var other = otherTerms.Count + topicKeywordHits;

        keywordsWithTopic = keywordHits >= 3 || (keywordHits >= 2 && topicKeywordHits >= 1);
        var viaKeyword = keywordHits >= 1 && (keywordHits >= 2 || other >= 1);
        var viaStatement = coverage >= ClaimCoverageThreshold && covered >= 2;
        if (!viaKeyword && !viaStatement)
        {
            return 0;
        }

        return Math.Min(1.0, 0.35 * Math.Min(keywordHits, 2) + 0.5 * coverage + 0.05 * Math.Min(other, 3));
    }

    /// <summary>
    /// The share of the statement's own words (not its keywords or topic keywords: "troops", "fighting", "alongside")
    /// the sentence contains, counting only words in the sentence's script; null when the statement has none in that
    /// script (an English statement read against a Russian sentence), so the question cannot be answered.
    /// </summary>
    public double? PredicateCoverage(Sentence sentence)
    {
        var cyrillic = sentence.Tokens.Count(IsCyrillic) * 2 > sentence.Tokens.Count;
        var applicable = 0;
        var covered = 0;
        foreach (var term in _predicateTerms)
        {
            if (IsCyrillic(term) != cyrillic)
            {
                continue;
            }

            applicable++;
            if (sentence.StemSet.Contains(term))
            {
                covered++;
            }
        }

        return applicable == 0 ? null : (double)covered / applicable;
    }

    private static bool IsCyrillic(string token) => token.Length > 0 && token[0] is >= '\u0400' and <= '\u04FF';

    /// <summary>How strongly the article is on the claim's topic, in (0, 1], and its most topical sentence; 0 when off topic.</summary>
    /// <remarks>Reads only <paramref name="candidates"/> (ascending indexes): the other sentences must hold neither a
    /// topic keyword nor a topic term.</remarks>
    public (double Strength, int Sentence) TopicStrength(IReadOnlyList<Sentence> allSentences, List<int> candidates)
    {
        var keywordPhrases = new HashSet<int>();
        var keywordOccurrences = 0;
        var coveredTerms = new HashSet<string>(StringComparer.Ordinal);
        var bestSentence = 0;
        var bestScore = 0;
        foreach (var index in candidates)
        {
            var sentence = allSentences[index];
            var occurrences = 0;
            for (var p = 0; p < _topicKeywords.Length; p++)
            {
                for (var i = 0; i < sentence.Tokens.Count; i++)
                {
                    if (_topicKeywords[p].MatchesAt(sentence, i))
                    {
                        keywordPhrases.Add(p);
                        occurrences++;
                    }
                }
            }

            var terms = _topicTerms.Count(sentence.StemSet.Contains);
            coveredTerms.UnionWith(_topicTerms.Where(sentence.StemSet.Contains));
            keywordOccurrences += occurrences;
            var score = 2 * occurrences + terms;
            if (score > bestScore)
            {
                bestScore = score;
                bestSentence = sentence.Index;
            }
        }

        var coverage = _topicTerms.Count == 0 ? 0 : (double)coveredTerms.Count / _topicTerms.Count;
        var onTopic = keywordPhrases.Count >= 1 || (coverage >= TopicCoverageThreshold && coveredTerms.Count >= 2);
        if (!onTopic)
        {
            return (0, 0);
        }

        var strength = Math.Min(1.0, 0.3 * Math.Min(keywordPhrases.Count, 2) + 0.4 * coverage + 0.05 * Math.Min(keywordOccurrences, 4));
        return (strength, bestSentence);
    }

    /// <summary>
    /// Distinct mentions: a hit that starts inside an earlier one ("North Korea" inside "North Korean") is the same
    /// mention. Marks the words of every hit.
    /// </summary>
    private static int CountPhraseHits(Sentence sentence, Phrase[] phrases, bool[] covered)
    {
        var mentions = 0;
        var previousEnd = 0;
        for (var i = 0; i < sentence.Tokens.Count; i++)
        {
            var end = -1;
            foreach (var phrase in phrases)
            {
                if (phrase.MatchesAt(sentence, i))
                {
                    end = Math.Max(end, i + phrase.Tokens.Length);
                }
            }

            if (end < 0)
            {
                continue;
            }

            Array.Fill(covered, true, i, end - i);
            if (i >= previousEnd)
            {
                mentions++;
            }

            previousEnd = Math.Max(previousEnd, end);
        }

        return mentions;
    }

    private static Phrase[] Phrases(IReadOnlyList<string>? texts) =>
        (texts ?? []).Where(t => !string.IsNullOrWhiteSpace(t)).Select(t => new Phrase(t)).Where(p => p.Tokens.Length > 0).ToArray();

    private static HashSet<string> ContentStems(string? text) =>
        Tokenizer.Tokenize(text ?? "").Where(t => !StopWords.Contains(t)).Select(Normalizer.Normalize).ToHashSet(StringComparer.Ordinal);
}
