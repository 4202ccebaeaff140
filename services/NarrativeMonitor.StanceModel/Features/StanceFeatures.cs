using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel.Features;

/// <summary>Hand-built features of a (headline = claim, body = article) pair for the FNC-1 stance task.</summary>
internal static class StanceFeatures
{
    private const int Window = 8;
    private const int TopSentences = 3;

    /// <summary>The cue kinds counted per scope, in feature order (the domain stage counts the same per sentence).</summary>
    public static readonly Cue[] CueKinds = [Cue.Negation, Cue.Refute, Cue.Hedge, Cue.Confirm, Cue.Deflect, Cue.Dismissal];

    public static readonly string[] Names = BuildNames();

    public static int Count => Names.Length;

    private static string[] BuildNames()
    {
        var names = new List<string>
        {
            "cos_body", "cos_best_sentence", "cos_second_sentence", "cos_top3_mean", "best_sentence_position",
            "best_sentence_index", "cos_lead", "sentences_above_0.1", "coverage", "idf_coverage", "jaccard",
            "matched_terms", "lead_coverage", "bigram_coverage", "bigram_matches", "chargram_coverage", "density",
            "headline_terms", "log_body_tokens", "sentence_count", "best_sentence_coverage",
            "headline_question", "headline_neg_parity", "best_neg_parity", "polarity_agreement",
        };
        foreach (var scope in new[] { "headline", "body_rate", "body_count", "top", "near", "lead" })
        {
            foreach (var cue in CueKinds)
            {
                names.Add($"{scope}_{cue.ToString().ToLowerInvariant()}");
            }
        }

        foreach (var scope in new[] { "headline_word", "body_word", "top_word", "near_word" })
        {
            for (var w = 0; w < Lexicon.CueWordCount; w++)
            {
                names.Add($"{scope}_{w}");
            }
        }

        return names.ToArray();
    }

    /// <summary>Fills <paramref name="features"/> (length <see cref="Count"/>) and returns the index of the sentence best matching the headline.</summary>
    public static int Extract(ProcessedText headline, ProcessedText body, Span<float> features)
    {
        features.Clear();
        var h = headline.Vector;
        var k = 0;

        float cosBody = 0;
        foreach (var (term, w) in h)
        {
            if (body.Vector.TryGetValue(term, out var bw))
            {
                cosBody += w * bw;
            }
        }

        var sentences = body.SentenceCount;
        Span<float> top = stackalloc float[TopSentences];
        Span<int> topIndex = stackalloc int[TopSentences];
        topIndex.Fill(-1);
        var above = 0;
        float cosLead = 0;
        for (var s = 0; s < sentences; s++)
        {
            float dot = 0;
            for (var t = body.SentenceTermOffsets[s]; t < body.SentenceTermOffsets[s + 1]; t++)
            {
                if (h.TryGetValue(body.SentenceTerms[t], out var hw))
                {
                    dot += hw * body.SentenceWeights[t];
                }
            }

            if (dot > 0.1f)
            {
                above++;
            }

            if (s < 2)
            {
                cosLead = Math.Max(cosLead, dot);
            }

            for (var r = 0; r < TopSentences; r++)
            {
                if (topIndex[r] < 0 || dot > top[r])
                {
                    for (var m = TopSentences - 1; m > r; m--)
                    {
                        top[m] = top[m - 1];
                        topIndex[m] = topIndex[m - 1];
                    }

                    top[r] = dot;
                    topIndex[r] = s;
                    break;
                }
            }
        }

        var best = topIndex[0];
        float topMean = 0;
        var topCount = 0;
        for (var r = 0; r < TopSentences; r++)
        {
            if (topIndex[r] >= 0)
            {
                topMean += top[r];
                topCount++;
            }
        }

        features[k++] = cosBody;
        features[k++] = top[0];
        features[k++] = top[1];
        features[k++] = topCount == 0 ? 0 : topMean / topCount;
        features[k++] = best < 0 || sentences <= 1 ? 0 : (float)best / (sentences - 1);
        features[k++] = Math.Min(best, 50);
        features[k++] = cosLead;
        features[k++] = sentences == 0 ? 0 : (float)above / sentences;

        int matched = 0, leadMatched = 0, matchedCount = 0;
        float idfTotal = 0, idfMatched = 0;
        foreach (var term in headline.TermCounts.Keys)
        {
            var weight = h[term];
            idfTotal += weight;
            if (body.TermCounts.TryGetValue(term, out var c))
            {
                matched++;
                matchedCount += c;
                idfMatched += weight;
                if (body.LeadTerms.Contains(term))
                {
                    leadMatched++;
                }
            }
        }

        var hTerms = headline.TermCounts.Count;
        features[k++] = hTerms == 0 ? 0 : (float)matched / hTerms;
        features[k++] = idfTotal == 0 ? 0 : idfMatched / idfTotal;
        features[k++] = (float)matched / Math.Max(1, hTerms + body.TermCounts.Count - matched);
        features[k++] = matched;
        features[k++] = hTerms == 0 ? 0 : (float)leadMatched / hTerms;

        var bigramMatches = 0;
        foreach (var b in headline.Bigrams.Values)
        {
            if (body.Bigrams.Contains(b))
            {
                bigramMatches++;
            }
        }

        features[k++] = headline.Bigrams.Count == 0 ? 0 : (float)bigramMatches / headline.Bigrams.Count;
        features[k++] = bigramMatches;

        var gramMatches = 0;
        foreach (var g in headline.CharGrams.Values)
        {
            if (body.CharGrams.Contains(g))
            {
                gramMatches++;
            }
        }

        features[k++] = headline.CharGrams.Count == 0 ? 0 : (float)gramMatches / headline.CharGrams.Count;
        features[k++] = body.ContentCount == 0 ? 0 : (float)matchedCount / body.ContentCount;
        features[k++] = hTerms;
        features[k++] = MathF.Log(1 + body.TokenCount);
        features[k++] = sentences;

        var bestCoverage = 0;
        if (best >= 0)
        {
            for (var t = body.SentenceTermOffsets[best]; t < body.SentenceTermOffsets[best + 1]; t++)
            {
                if (h.ContainsKey(body.SentenceTerms[t]))
                {
                    bestCoverage++;
                }
            }
        }

        features[k++] = hTerms == 0 ? 0 : (float)bestCoverage / hTerms;

        Span<int> headlineCues = stackalloc int[CueKinds.Length];
        CountCues(headline, 0, headline.TokenCount, headlineCues);
        Span<int> bodyCues = stackalloc int[CueKinds.Length];
        CountCues(body, 0, body.TokenCount, bodyCues);
        Span<int> topCues = stackalloc int[CueKinds.Length];
        for (var r = 0; r < TopSentences; r++)
        {
            if (topIndex[r] >= 0 && top[r] > 0)
            {
                CountCues(body, body.SentenceTokenStart[topIndex[r]], body.SentenceTokenStart[topIndex[r] + 1], topCues);
            }
        }

        Span<int> leadCues = stackalloc int[CueKinds.Length];
        CountCues(body, 0, body.SentenceTokenStart[Math.Min(2, sentences)], leadCues);
        Span<int> nearCues = stackalloc int[CueKinds.Length];
        CountNearCues(h, body, nearCues, features.Slice(Count - Lexicon.CueWordCount));

        var bestNegations = 0;
        if (best >= 0)
        {
            for (var i = body.SentenceTokenStart[best]; i < body.SentenceTokenStart[best + 1]; i++)
            {
                if ((body.Cues[i] & Cue.Negation) != 0)
                {
                    bestNegations++;
                }
            }
        }

        features[k++] = headline.HasQuestion ? 1 : 0;
        var headlineParity = headlineCues[0] % 2;
        var bestParity = bestNegations % 2;
        features[k++] = headlineParity;
        features[k++] = bestParity;
        features[k++] = headlineParity == bestParity ? 1 : 0;

        for (var c = 0; c < CueKinds.Length; c++)
        {
            features[k++] = headlineCues[c];
        }

        var per100 = 100f / Math.Max(1, body.TokenCount);
        for (var c = 0; c < CueKinds.Length; c++)
        {
            features[k++] = bodyCues[c] * per100;
        }

        for (var c = 0; c < CueKinds.Length; c++)
        {
            features[k++] = bodyCues[c];
        }

        for (var c = 0; c < CueKinds.Length; c++)
        {
            features[k++] = topCues[c];
        }

        for (var c = 0; c < CueKinds.Length; c++)
        {
            features[k++] = nearCues[c];
        }

        for (var c = 0; c < CueKinds.Length; c++)
        {
            features[k++] = leadCues[c];
        }

        var words = Lexicon.CueWordCount;
        for (var w = 0; w < words; w++)
        {
            features[k + w] = headline.CueWordCounts[w];
            features[k + words + w] = body.CueWordCounts[w];
        }

        k += 2 * words;
        for (var r = 0; r < TopSentences; r++)
        {
            if (topIndex[r] >= 0 && top[r] > 0)
            {
                for (var i = body.SentenceTokenStart[topIndex[r]]; i < body.SentenceTokenStart[topIndex[r] + 1]; i++)
                {
                    var w = body.CueWords[i];
                    if (w >= 0)
                    {
                        features[k + w]++;
                    }
                }
            }
        }

        return best;
    }

    private static void CountCues(ProcessedText text, int from, int to, Span<int> counts)
    {
        var cues = text.Cues;
        for (var i = from; i < to; i++)
        {
            var cue = cues[i];
            if ((cue & ~Cue.Stop) == 0)
            {
                continue;
            }

            for (var c = 0; c < CueKinds.Length; c++)
            {
                if ((cue & CueKinds[c]) != 0)
                {
                    counts[c]++;
                }
            }
        }
    }

    /// <summary>Cues within a few tokens of a body token that is one of the headline's terms.</summary>
    private static void CountNearCues(Dictionary<ulong, float> headline, ProcessedText body, Span<int> counts, Span<float> wordCounts)
    {
        var n = body.TokenCount;
        var lastMatch = int.MinValue / 2;
        var cues = body.Cues;
        var hashes = body.Hashes;
        var nextMatch = NextMatch(headline, hashes, 0);
        for (var i = 0; i < n; i++)
        {
            if (i == nextMatch)
            {
                lastMatch = i;
                nextMatch = NextMatch(headline, hashes, i + 1);
            }

            var cue = cues[i];
            if ((cue & ~Cue.Stop) == 0)
            {
                continue;
            }

            if (i - lastMatch <= Window || nextMatch - i <= Window)
            {
                if (body.CueWords[i] >= 0)
                {
                    wordCounts[body.CueWords[i]]++;
                }

                for (var c = 0; c < CueKinds.Length; c++)
                {
                    if ((cue & CueKinds[c]) != 0)
                    {
                        counts[c]++;
                    }
                }
            }
        }

    }

    private static int NextMatch(Dictionary<ulong, float> headline, ulong[] hashes, int from)
    {
        for (var i = from; i < hashes.Length; i++)
        {
            if (headline.ContainsKey(hashes[i]))
            {
                return i;
            }
        }

        return int.MaxValue / 2;
    }
}
