using NarrativeMonitor.Contracts;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel.Features;

/// <summary>What the domain stage knows of an (article, claim) pair beyond the FNC-1 features.</summary>
/// <param name="OnTopic">The article shares the claim's topic terms.</param>
/// <param name="ClaimShare">Share of the claim terms' IDF weight found in the article.</param>
/// <param name="KeywordTerms">Each keyword's content terms (alternative names of what is specific to the claim).</param>
/// <param name="SpecificTerms">The statement's content terms that are not topic terms.</param>
/// <param name="TopicTerms">Content terms of the topic and its keywords.</param>
internal readonly record struct ClaimContext(bool OnTopic, float ClaimShare, bool Mentioned, ulong[][] KeywordTerms, ulong[] SpecificTerms, ulong[] TopicTerms);

/// <summary>
/// Features of the domain stage: the FNC-1 model's four probabilities, a subset of its features, where the article
/// mentions the claim (its "claim sentences": a keyword in full or all but one of the statement's specific terms), and
/// cue counts in the claim sentences, their neighbours, the other sentences on the topic, the title and the whole article.
/// </summary>
internal static class DomainFeatures
{
    private static readonly string[] KeptCueScopes = ["body_rate_", "top_", "near_", "lead_"];

    /// <summary>FNC-1 features kept: the similarity block and the cue counts that are not about the headline alone.</summary>
    private static readonly int[] FncFeatureIndexes = StanceFeatures.Names
        .Select((name, index) => (name, index))
        .Where(x => x.index < 25 || (!x.name.Contains("_word_", StringComparison.Ordinal) && KeptCueScopes.Any(scope => x.name.StartsWith(scope, StringComparison.Ordinal))))
        .Select(x => x.index)
        .ToArray();

    /// <summary>One feature each; an outlet of unknown kind has all of them zero.</summary>
    private static readonly SourceKind[] OutletKinds = [SourceKind.StateMedia, SourceKind.Official, SourceKind.Wire, SourceKind.Independent, SourceKind.Analysis];

    private static readonly string[] Scopes = ["claim_sentences", "neighbours", "topic_sentences", "title", "article_rate"];

    public static readonly string[] Names = BuildNames();

    public static int Count => Names.Length;

    private static string[] BuildNames()
    {
        var names = new List<string> { "fnc_agree", "fnc_disagree", "fnc_discuss", "fnc_unrelated" };
        names.AddRange(FncFeatureIndexes.Select(i => "fnc_" + StanceFeatures.Names[i]));
        names.AddRange(["on_topic", "claim_share", "mentioned", "claim_sentences", "claim_sentence_share", "claim_in_title",
            "first_claim_sentence_position", "best_specific_coverage", "topic_sentences", "claim_sentence_quoted", "claim_sentence_question"]);
        names.AddRange(OutletKinds.Select(kind => $"outlet_{kind.ToString().ToLowerInvariant()}"));
        foreach (var scope in Scopes)
        {
            names.AddRange(StanceFeatures.CueKinds.Select(c => $"{scope}_{c.ToString().ToLowerInvariant()}"));
            names.AddRange(DomainLexicon.Kinds.Select(c => $"{scope}_{c.ToString().ToLowerInvariant()}"));
        }

        return names.ToArray();
    }

    /// <summary>Fills <paramref name="features"/> (length <see cref="Count"/>); returns the sentence to quote as evidence.</summary>
    /// <param name="cues">The article's cue counts per sentence, computed once for all its claims.</param>
    /// <param name="source">The kind of outlet: analysts read a denial a state outlet carries as its own line.</param>
    public static int Extract(ReadOnlySpan<float> fncFeatures, StancePrediction fnc, ClaimContext claim, ProcessedText body, SourceKind source,
        ArticleCues cues, Span<float> features)
    {
        features.Clear();
        var k = 0;
        for (var c = 0; c < 4; c++)
        {
            features[k++] = fnc.Probabilities[c];
        }

        foreach (var i in FncFeatureIndexes)
        {
            features[k++] = fncFeatures[i];
        }

        var sentences = body.SentenceCount;
        Span<bool> isClaimSentence = sentences <= 256 ? stackalloc bool[sentences] : new bool[sentences];
        Span<bool> isTopicSentence = sentences <= 256 ? stackalloc bool[sentences] : new bool[sentences];
        var claimSentences = 0;
        var topicSentences = 0;
        var quoted = false;
        var question = false;
        var first = -1;
        float bestCoverage = 0;
        for (var s = 0; s < sentences; s++)
        {
            var terms = body.SentenceTerms.AsSpan(body.SentenceTermOffsets[s], body.SentenceTermOffsets[s + 1] - body.SentenceTermOffsets[s]);
            var specific = Present(terms, claim.SpecificTerms);
            if (claim.SpecificTerms.Length > 0)
            {
                bestCoverage = Math.Max(bestCoverage, (float)specific / claim.SpecificTerms.Length);
            }

            var keyword = false;
            foreach (var kw in claim.KeywordTerms)
            {
                if (Present(terms, kw) == kw.Length)
                {
                    keyword = true;
                    break;
                }
            }

            if (keyword || (claim.SpecificTerms.Length > 0 && specific >= Math.Max(1, claim.SpecificTerms.Length - 1)))
            {
                isClaimSentence[s] = true;
                claimSentences++;
                if (first < 0)
                {
                    first = s;
                }

                quoted |= cues.Quoted[s];
                question |= cues.Question[s];
            }
            else if (Present(terms, claim.TopicTerms) >= Math.Min(2, claim.TopicTerms.Length) && claim.TopicTerms.Length > 0)
            {
                isTopicSentence[s] = true;
                topicSentences++;
            }
        }

        features[k++] = claim.OnTopic ? 1 : 0;
        features[k++] = claim.ClaimShare;
        features[k++] = claim.Mentioned ? 1 : 0;
        features[k++] = claimSentences;
        features[k++] = sentences == 0 ? 0 : (float)claimSentences / sentences;
        features[k++] = sentences > 0 && isClaimSentence[0] ? 1 : 0;
        features[k++] = first < 0 ? -1 : sentences <= 1 ? 0 : (float)first / (sentences - 1);
        features[k++] = bestCoverage;
        features[k++] = topicSentences;
        features[k++] = quoted ? 1 : 0;
        features[k++] = question ? 1 : 0;
        foreach (var kind in OutletKinds)
        {
            features[k++] = source == kind ? 1 : 0;
        }

        var kinds = ArticleCues.Kinds;
        var rate = 4 * kinds;
        Span<float> counts = stackalloc float[kinds * 5];
        for (var s = 0; s < sentences; s++)
        {
            var scope = isClaimSentence[s] ? 0
                : (s > 0 && isClaimSentence[s - 1]) || (s + 1 < sentences && isClaimSentence[s + 1]) ? 1
                : isTopicSentence[s] ? 2
                : -1;
            var sentence = cues.PerSentence.AsSpan(s * kinds, kinds);
            for (var c = 0; c < kinds; c++)
            {
                var n = sentence[c];
                if (scope >= 0)
                {
                    counts[(scope * kinds) + c] += n;
                }

                if (s == 0)
                {
                    counts[(3 * kinds) + c] += n;
                }

                counts[rate + c] += n;
            }
        }

        var per100 = 100f / Math.Max(1, body.TokenCount);
        for (var c = 0; c < kinds; c++)
        {
            counts[rate + c] *= per100;
        }

        counts.CopyTo(features[k..]);
        return first >= 0 && (fnc.BestSentence < 0 || fnc.BestSentence >= sentences || !isClaimSentence[fnc.BestSentence]) ? first : fnc.BestSentence;
    }

    private static int Present(ReadOnlySpan<ulong> sentenceTerms, ulong[] wanted)
    {
        var n = 0;
        foreach (var w in wanted)
        {
            if (sentenceTerms.Contains(w))
            {
                n++;
            }
        }

        return n;
    }
}

/// <summary>
/// An article's cue counts per sentence (<see cref="Lexicon"/>'s six kinds, then <see cref="DomainLexicon"/>'s), and
/// which sentences quote or ask: computed once per article, whatever the number of claims it is compared with.
/// </summary>
internal sealed class ArticleCues
{
    /// <summary>Cue kinds counted per sentence: <see cref="StanceFeatures.CueKinds"/>, then <see cref="DomainLexicon.Kinds"/>.</summary>
    public static readonly int Kinds = StanceFeatures.CueKinds.Length + DomainLexicon.Kinds.Length;

    public ArticleCues(ProcessedText body)
    {
        var domain = DomainLexicon.Mark(body.Hashes);
        var sentences = body.SentenceCount;
        PerSentence = new float[sentences * Kinds];
        Quoted = new bool[sentences];
        Question = new bool[sentences];
        for (var s = 0; s < sentences; s++)
        {
            var text = body.SentenceSpan(s);
            Quoted[s] = text.IndexOfAny("\"\u201C\u201D\u00AB\u00BB") >= 0;
            Question[s] = text.EndsWith('?');
            for (var t = body.SentenceTokenStart[s]; t < body.SentenceTokenStart[s + 1]; t++)
            {
                var cue = body.Cues[t];
                var mark = domain[t];
                if ((cue & ~Cue.Stop) == 0 && mark == DomainCue.None)
                {
                    continue;
                }

                for (var c = 0; c < StanceFeatures.CueKinds.Length; c++)
                {
                    if ((cue & StanceFeatures.CueKinds[c]) != 0)
                    {
                        PerSentence[(s * Kinds) + c]++;
                    }
                }

                for (var c = 0; c < DomainLexicon.Kinds.Length; c++)
                {
                    if ((mark & DomainLexicon.Kinds[c]) != 0)
                    {
                        PerSentence[(s * Kinds) + StanceFeatures.CueKinds.Length + c]++;
                    }
                }
            }
        }
    }

    public float[] PerSentence { get; }

    public bool[] Quoted { get; }

    public bool[] Question { get; }
}
