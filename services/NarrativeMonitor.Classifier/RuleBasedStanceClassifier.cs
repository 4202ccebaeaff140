using NarrativeMonitor.Classifier.Text;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Classifier;

/// <summary>
/// The baseline classifier: term overlap decides whether an article is about a claim or only its topic, and the phrase
/// lists of <see cref="StanceCues"/> in and around the sentence about the claim decide the stance.
/// </summary>
/// <remarks>
/// <para>How it decides. A sentence is about a claim when it contains one of the claim's keyword phrases together with
/// another keyword or another claim or topic term, or when it covers at least 60% (and at least two) of the claim's
/// distinctive statement terms (those not also in the topic). Of those sentences, the claim sentence is the one that
/// names the claim most strongly and says most of its statement's own words (not its keywords: "troops", "fighting",
/// "alongside"). A deflection cue in it, then a denial cue, then a hedging cue decides the stance; failing those, the
/// same cues in the sentences just after and before it. Failing those, the article acknowledges the claim when the claim
/// sentence has at least <see cref="StatedThreshold"/> of the statement's own words (or three keywords, or two and a
/// topic keyword), and otherwise discusses it: it names the claim's subject without saying what the claim says. Words
/// of the statement are only looked for in sentences of the same script, so an English statement does not make
/// Russian sentences "discuss". An article not about the claim that contains a topic keyword, or covers 60% of the
/// topic's terms, omits the claim; anything else is unrelated. Confidence grows with the evidence (keyword hits, term
/// coverage, a cue in the claim sentence itself).</para>
/// <para>What it cannot do. It does not parse: it cannot tell who says what, so a wire story that reports Moscow's
/// denial next to the claim reads as a denial, and "Kyiv claims, without evidence, ..." as hedged. It handles negation
/// only as "not"/"не" just before a denial cue; "far from fake" or sarcasm defeat it. It sees no paraphrase beyond
/// shared stems (no synonyms: "soldiers" does not meet "troops" unless a keyword says so), its stemmer is crude, and it
/// knows English and Russian function words only. It does not recognise incompatible alternative explanations ("the
/// foreigners in Kursk are Ukrainian mercenaries") unless they use a cue word. It uses no statistics of the article
/// collection, so frequent words in a statement weigh as much as rare ones. Treat it as a baseline to measure trained
/// models against.</para>
/// <para>Thread-safe: it keeps no state; prepared claims are immutable.</para>
/// </remarks>
public sealed class RuleBasedStanceClassifier : IStanceClassifier
{
    public const int MaxEvidenceLength = 400;

    /// <summary>
    /// The share of the statement's own words (see <c>PredicateCoverage</c>) a sentence about the claim must contain to
    /// state it; below it, without a cue, the article discusses the claim.
    /// </summary>
    public const double StatedThreshold = 0.3;

    private static readonly CueMatcher Deflection = new(StanceCues.Deflection);
    private static readonly CueMatcher Denial = new(StanceCues.Denial);
    private static readonly CueMatcher Hedging = new(StanceCues.Hedging);
    private static readonly HashSet<string> Negators = new(StanceCues.Negators, StringComparer.Ordinal);

    public IPreparedClaims Prepare(IReadOnlyList<ClaimDefinition> claims)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return new RuleBasedPreparedClaims(claims);
    }

    public IReadOnlyList<StanceResult> Classify(ArticleText article, IPreparedClaims claims)
    {
        ArgumentNullException.ThrowIfNull(article);
        if (claims is not RuleBasedPreparedClaims prepared)
        {
            throw new ArgumentException($"Claims must be prepared by {nameof(RuleBasedStanceClassifier)}.", nameof(claims));
        }

        var document = AnalyzedDocument.Create(article);
        var results = new List<StanceResult>();
        foreach (var match in prepared.Match(document))
        {
            var result = ClassifyOne(document, match.Claim, match.ClaimSentences, match.TopicSentences);
            if (result is not null)
            {
                results.Add(result);
            }
        }

        results.Sort((a, b) => string.CompareOrdinal(a.ClaimId, b.ClaimId));
        return results;
    }

    /// <summary>
    /// What <see cref="Classify"/> answers without the narrowing index: every claim sharing a term with the article,
    /// against every sentence. Slow; the tests hold the index to it.
    /// </summary>
    internal static IReadOnlyList<StanceResult> ClassifyExhaustively(ArticleText article, RuleBasedPreparedClaims prepared)
    {
        var document = AnalyzedDocument.Create(article);
        var all = Enumerable.Range(0, document.Sentences.Count).ToList();
        var results = new List<StanceResult>();
        foreach (var claim in prepared.SelectCandidates(document))
        {
            if (ClassifyOne(document, claim, all, all) is { } result)
            {
                results.Add(result);
            }
        }

        results.Sort((a, b) => string.CompareOrdinal(a.ClaimId, b.ClaimId));
        return results;
    }

    /// <param name="claimSentences">Ascending indexes of the sentences that can be about the claim; the others score 0.</param>
    /// <param name="topicSentences">Ascending indexes of the sentences that can be on the claim's topic.</param>
    private static StanceResult? ClassifyOne(AnalyzedDocument document, PreparedClaim claim, List<int> claimSentences, List<int> topicSentences)
    {
        var sentences = document.Sentences;
        var bestIndex = -1;
        var bestScore = 0.0;
        var bestStrength = 0.0;
        double? bestPredicate = null;
        foreach (var i in claimSentences)
        {
            var strength = claim.ClaimStrength(sentences[i], out var keywordsWithTopic);
            if (strength <= 0)
            {
                continue;
            }

            // Prefer the sentence that says most of what the claim says, not only the one that names its subject.
            // Several keywords next to a topic keyword say the claim when the keywords carry its predicate.
            var predicate = keywordsWithTopic ? 1.0 : claim.PredicateCoverage(sentences[i]);
            var score = strength + (predicate ?? StatedThreshold);
            if (score > bestScore)
            {
                (bestScore, bestIndex, bestStrength, bestPredicate) = (score, i, strength, predicate);
            }
        }

        if (bestIndex >= 0)
        {
            return ClaimStance(claim.Definition.Id, sentences, bestIndex, bestStrength, stated: bestPredicate is not < StatedThreshold);
        }

        var (topicStrength, topicSentence) = claim.TopicStrength(sentences, topicSentences);
        if (topicStrength > 0)
        {
            return new StanceResult(claim.Definition.Id, Stance.Omits, Math.Round(0.4 + 0.5 * topicStrength, 3),
                Trim(sentences[topicSentence].Text));
        }

        return null;
    }

    private static StanceResult ClaimStance(string claimId, IReadOnlyList<Sentence> sentences, int claimSentence, double strength, bool stated)
    {
        var inSentence = FindCue(sentences[claimSentence]);
        if (inSentence is { } own)
        {
            return new StanceResult(claimId, own, Math.Round(0.5 + 0.35 * strength + 0.1, 3), Trim(sentences[claimSentence].Text));
        }

        // The sentence after usually carries the reaction ("'We have nothing to say,' Peskov said."), so it goes first.
        foreach (var neighbour in (ReadOnlySpan<int>)[claimSentence + 1, claimSentence - 1])
        {
            if (neighbour < 0 || neighbour >= sentences.Count || FindCue(sentences[neighbour]) is not { } stance)
            {
                continue;
            }

            var evidence = neighbour > claimSentence
                ? sentences[claimSentence].Text + " " + sentences[neighbour].Text
                : sentences[neighbour].Text + " " + sentences[claimSentence].Text;
            return new StanceResult(claimId, stance, Math.Round(0.5 + 0.35 * strength, 3), Trim(evidence));
        }

        // Naming the claim's subject ("North Korean troops were sent to Russia") without saying what the claim says
        // ("... are fighting in Kursk") reports around the claim rather than stating it.
        return stated
            ? new StanceResult(claimId, Stance.Acknowledges, Math.Round(0.45 + 0.45 * strength, 3), Trim(sentences[claimSentence].Text))
            : new StanceResult(claimId, Stance.Discusses, Math.Round(0.35 + 0.3 * strength, 3), Trim(sentences[claimSentence].Text));
    }

    private static Stance? FindCue(Sentence sentence)
    {
        if (Deflection.Matches(sentence.Tokens, negators: null))
        {
            return Stance.Deflects;
        }

        if (Denial.Matches(sentence.Tokens, Negators))
        {
            return Stance.Denies;
        }

        if (Hedging.Matches(sentence.Tokens, negators: null))
        {
            return Stance.Discusses;
        }

        return null;
    }

    internal static string Trim(string text)
    {
        text = string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
        if (text.Length <= MaxEvidenceLength)
        {
            return text;
        }

        var cut = text.LastIndexOf(' ', MaxEvidenceLength - 1);
        return text[..(cut > MaxEvidenceLength / 2 ? cut : MaxEvidenceLength - 1)] + "…";
    }

    /// <summary>Token phrases matched with the last word as a prefix.</summary>
    private sealed class CueMatcher
    {
        private readonly Dictionary<string, List<string[]>> _byFirstToken = new(StringComparer.Ordinal);
        private readonly List<string[]> _singlePrefixes = [];

        public CueMatcher(IEnumerable<string> cues)
        {
            foreach (var cue in cues)
            {
                var tokens = Tokenizer.Tokenize(cue).ToArray();
                if (tokens.Length == 0)
                {
                    continue;
                }

                if (tokens.Length == 1)
                {
                    _singlePrefixes.Add(tokens);
                    continue;
                }

                if (!_byFirstToken.TryGetValue(tokens[0], out var list))
                {
                    _byFirstToken[tokens[0]] = list = [];
                }

                list.Add(tokens);
            }
        }

        public bool Matches(IReadOnlyList<string> tokens, HashSet<string>? negators)
        {
            for (var i = 0; i < tokens.Count; i++)
            {
                var token = tokens[i];
                var matched = _singlePrefixes.Any(cue => token.StartsWith(cue[0], StringComparison.Ordinal))
                    || (_byFirstToken.TryGetValue(token, out var cues) && cues.Any(cue => MatchesAt(tokens, i, cue)));
                if (matched && !(negators is not null && IsNegated(tokens, i, negators)))
                {
                    return true;
                }
            }

            return false;
        }

        private static bool MatchesAt(IReadOnlyList<string> tokens, int start, string[] cue)
        {
            if (start + cue.Length > tokens.Count)
            {
                return false;
            }

            for (var j = 0; j < cue.Length - 1; j++)
            {
                if (!string.Equals(tokens[start + j], cue[j], StringComparison.Ordinal))
                {
                    return false;
                }
            }

            return tokens[start + cue.Length - 1].StartsWith(cue[^1], StringComparison.Ordinal);
        }

        private static bool IsNegated(IReadOnlyList<string> tokens, int start, HashSet<string> negators)
        {
            for (var j = Math.Max(0, start - StanceCues.NegationWindow); j < start; j++)
            {
                if (negators.Contains(tokens[j]))
                {
                    return true;
                }
            }

            return false;
        }
    }
}

/// <summary>An article split into sentences (the title first), analyzed once for every claim.</summary>
internal sealed class AnalyzedDocument
{
    private IReadOnlyCollection<(string Token, string Stem)>? _distinctTokens;

    private AnalyzedDocument(IReadOnlyList<Sentence> sentences)
    {
        Sentences = sentences;
    }

    public IReadOnlyList<Sentence> Sentences { get; }

    /// <summary>Built on first use: classification reads the sentences through the claims' index instead.</summary>
    public IReadOnlyCollection<(string Token, string Stem)> DistinctTokens => _distinctTokens ??= CollectDistinctTokens(Sentences);

    private static HashSet<(string Token, string Stem)> CollectDistinctTokens(IReadOnlyList<Sentence> sentences)
    {
        var tokens = new HashSet<(string Token, string Stem)>();
        foreach (var sentence in sentences)
        {
            for (var i = 0; i < sentence.Tokens.Count; i++)
            {
                tokens.Add((sentence.Tokens[i], sentence.Stems[i]));
            }
        }

        return tokens;
    }

    public static AnalyzedDocument Create(ArticleText article)
    {
        var texts = new List<string>();
        if (!string.IsNullOrWhiteSpace(article.Title))
        {
            texts.Add(article.Title.Trim());
        }

        texts.AddRange(SentenceSplitter.Split(article.Body ?? ""));
        var language = StemmingLanguage(article);
        return new AnalyzedDocument(texts.Select((text, i) => new Sentence(i, text, language)).ToArray());
    }

    /// <summary>
    /// The article's language as given, else "uk" when its letters particular to Ukrainian outnumber those particular
    /// to Russian: it only decides how Cyrillic words that could be either language are stemmed.
    /// </summary>
    private static string? StemmingLanguage(ArticleText article)
    {
        if (!string.IsNullOrWhiteSpace(article.Language))
        {
            return article.Language.Trim().ToLowerInvariant();
        }

        var ukrainian = CountLetters(article.Title, LanguageDetector.UkrainianOnlyLetters) + CountLetters(article.Body, LanguageDetector.UkrainianOnlyLetters);
        var russian = CountLetters(article.Title, LanguageDetector.RussianOnlyLetters) + CountLetters(article.Body, LanguageDetector.RussianOnlyLetters);
        return ukrainian > russian ? "uk" : null;
    }

    private static int CountLetters(string? text, System.Buffers.SearchValues<char> letters)
    {
        var count = 0;
        var rest = (text ?? "").AsSpan();
        for (var at = rest.IndexOfAny(letters); at >= 0; at = rest.IndexOfAny(letters))
        {
            count++;
            rest = rest[(at + 1)..];
        }

        return count;
    }
}
