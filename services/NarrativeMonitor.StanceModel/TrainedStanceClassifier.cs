using System.Diagnostics;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.StanceModel.Features;
using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel;

/// <summary>
/// IStanceClassifier backed by the trained models (English). An inverted index over claim and topic terms selects an
/// article's candidate claims. For a candidate that shares the claim's terms the FNC-1 model (claim statement =
/// headline, article = body) gives agree/disagree/discuss/unrelated probabilities, and the domain stage, trained on
/// hand-labelled corpora of our own, turns those and <see cref="DomainFeatures"/> into one of our six stances; it reads
/// topic-only candidates without the FNC-1 model (<see cref="DomainInput"/>). Without a domain stage the FNC-1 answer is
/// mapped by fixed rules (<see cref="Map"/>) and a topic-only candidate omits the claim: the baseline the domain stage is
/// measured against.
/// </summary>
public sealed class TrainedStanceClassifier : IStanceClassifier
{
    private static readonly int TopDeflect = Array.IndexOf(StanceFeatures.Names, "top_deflect");
    private static readonly int NearDeflect = Array.IndexOf(StanceFeatures.Names, "near_deflect");

    private readonly FncStanceModel _model;
    private readonly DomainStanceModel? _domain;

    /// <summary>Loads the models embedded in this assembly; <see cref="LoadTime"/> says how long that took.</summary>
    public TrainedStanceClassifier()
    {
        var stopwatch = Stopwatch.StartNew();
        _model = FncStanceModel.LoadEmbedded();
        _domain = DomainStanceModel.LoadEmbedded();
        LoadTime = stopwatch.Elapsed;
    }

    /// <param name="domain">The domain stage; null maps the FNC-1 answer by fixed rules.</param>
    public TrainedStanceClassifier(FncStanceModel model, DomainStanceModel? domain)
    {
        _model = model;
        _domain = domain;
    }

    public TimeSpan LoadTime { get; }

    public FncStanceModel Model => _model;

    public DomainStanceModel? Domain => _domain;

    public IPreparedClaims Prepare(IReadOnlyList<ClaimDefinition> claims) => new PreparedClaims(claims, _model.Idf);

    public IReadOnlyList<StanceResult> Classify(ArticleText article, IPreparedClaims claims)
    {
        if (claims is not PreparedClaims prepared)
        {
            throw new ArgumentException("claims: must come from this classifier's Prepare", nameof(claims));
        }

        var body = _model.Process(ArticleDocument(article));
        var results = new List<StanceResult>();
        var features = new float[StanceFeatures.Count];
        var domainFeatures = _domain is null ? [] : new float[DomainFeatures.Count];
        ArticleCues? cues = null;
        foreach (var candidate in prepared.Candidates(body))
        {
            var claim = prepared.Entries[candidate.Claim];
            var mentioned = claim.IsMentionedIn(body);
            if (candidate.IsAnotherStory(mentioned))
            {
                continue;
            }

            StanceResult? result;
            if (_domain is null)
            {
                // The baseline: an article on the topic without the claim's terms is read as silent on it.
                result = candidate.OnClaim
                    ? Map(claim, _model.Predict(features, StanceFeatures.Extract(claim.Statement, body, features)), features, candidate.OnTopic, mentioned, body)
                    : new StanceResult(claim.Definition.Id, Stance.Omits, Math.Clamp(1 - candidate.ClaimShare, 0.5, 1.0), null);
            }
            else
            {
                result = Decide(claim, candidate, mentioned, body, article.Source, features, domainFeatures, ref cues);
            }

            if (result is not null)
            {
                results.Add(result);
            }
        }

        return results;
    }

    /// <summary>The text the models read: the title as the first sentence, then the body.</summary>
    internal static string ArticleDocument(ArticleText article) =>
        string.IsNullOrWhiteSpace(article.Title) ? article.Body : article.Title + ".\n" + article.Body;

    private StanceResult? Decide(ClaimEntry claim, Candidate candidate, bool mentioned, ProcessedText body, SourceKind source,
        float[] features, float[] domainFeatures, ref ArticleCues? cues)
    {
        var evidence = DomainInput(_model, claim, candidate, mentioned, body, source, features, domainFeatures, ref cues);
        var (stance, probabilities) = _domain!.Predict(domainFeatures);
        var confidence = probabilities[Array.IndexOf(DomainStanceModel.Classes, stance)];
        return stance switch
        {
            Stance.Unrelated => null,
            Stance.Omits => new StanceResult(claim.Definition.Id, Stance.Omits, confidence, null),
            _ => new StanceResult(claim.Definition.Id, stance, confidence, body.SentenceText(evidence)),
        };
    }

    /// <summary>
    /// Fills <paramref name="domainFeatures"/>, what the domain stage reads of a candidate, and returns the evidence
    /// sentence. The domain stage reads topic-only candidates too: a denial or deflection often names the claim in other
    /// words. The FNC-1 model has no claim terms to compare there, so it is not run and its part stays zero.
    /// </summary>
    /// <param name="features">Scratch for the FNC-1 features.</param>
    internal static int DomainInput(FncStanceModel fnc, ClaimEntry claim, Candidate candidate, bool mentioned, ProcessedText body,
        SourceKind source, float[] features, float[] domainFeatures, ref ArticleCues? cues)
    {
        StancePrediction prediction;
        if (candidate.OnClaim)
        {
            prediction = fnc.Predict(features, StanceFeatures.Extract(claim.Statement, body, features));
        }
        else
        {
            Array.Clear(features);
            prediction = new StancePrediction(FncStance.Unrelated, new float[4], -1);
        }

        cues ??= new ArticleCues(body);
        return DomainFeatures.Extract(features, prediction, claim.Context(candidate, mentioned), body, source, cues, domainFeatures);
    }

    /// <param name="mentioned">The article mentions the claim; off the topic it does (<see cref="Candidate.IsAnotherStory"/>).</param>
    private static StanceResult? Map(ClaimEntry claim, StancePrediction prediction, float[] features, bool onTopic, bool mentioned, ProcessedText body)
    {
        var id = claim.Definition.Id;
        var confidence = prediction.Probabilities[(int)prediction.Stance];
        var unrelated = prediction.Probabilities[(int)FncStance.Unrelated];

        // FNC-1 "unrelated" means another story; an article on the claim's own topic that never mentions what is
        // specific to the claim is silent on it, whatever overlap the topic words give.
        if (onTopic && (prediction.Stance == FncStance.Unrelated || !mentioned))
        {
            return new StanceResult(id, Stance.Omits, prediction.Stance == FncStance.Unrelated ? unrelated : Math.Max(unrelated, 0.5), null);
        }

        var evidence = body.SentenceText(prediction.BestSentence);
        var deflection = features[TopDeflect] > 0 || features[NearDeflect] > 0;
        return prediction.Stance switch
        {
            FncStance.Agree => new StanceResult(id, Stance.Acknowledges, confidence, evidence),
            FncStance.Disagree => new StanceResult(id, deflection ? Stance.Deflects : Stance.Denies, confidence, evidence),
            FncStance.Discuss => new StanceResult(id, deflection ? Stance.Deflects : Stance.Discusses, confidence, evidence),
            _ => null,
        };
    }

    /// <param name="ClaimShare">Share of the claim terms' IDF weight found in the article.</param>
    internal readonly record struct Candidate(int Claim, bool OnClaim, bool OnTopic, float ClaimShare)
    {
        /// <summary>
        /// Shares words with the claim but neither its topic nor a mention of it: another story, left out before the
        /// models run, which saves most of their runs when many claims are active.
        /// </summary>
        public bool IsAnotherStory(bool mentioned) => !OnTopic && !mentioned;
    }

    /// <summary>A claim term's entry in the index.</summary>
    /// <param name="Weight">The term's IDF: its part of the claim weight.</param>
    /// <param name="VectorWeight">The term's weight in the statement's unit TF-IDF vector (0 for a keyword-only term):
    /// summed over the article's terms times their weight in its vector, it is the cosine of <see cref="ClaimEntry.IsCandidate"/>.</param>
    internal readonly record struct Posting(int Claim, float Weight, float VectorWeight);

    /// <param name="Weight">2 for a one-word topic keyword (a marker: on its own it puts an article on the topic), else 1.</param>
    internal readonly record struct TopicPosting(int Claim, int Weight);

    /// <summary>
    /// The index: for each term, where its claim and topic postings lie in two flat arrays, in an open-addressing table
    /// (linear probing) whose slot holds the term itself. Looking up an article's ~250 terms then reads one slot each where
    /// a dictionary of posting arrays read a bucket, an entry, an object and an array header per term: cache misses once
    /// 10,000 claims make the index a few megabytes.
    /// </summary>
    internal sealed class TermIndex
    {
        private readonly Slot[] _slots;
        private readonly int _shift;

        /// <param name="keywordClaims">By the first term of each keyword: the claims that have the keyword.</param>
        public TermIndex(Dictionary<ulong, List<Posting>> claimPostings, Dictionary<ulong, List<TopicPosting>> topicPostings,
            Dictionary<ulong, List<int>> keywordClaims)
        {
            var terms = claimPostings.Keys.Union(topicPostings.Keys).Union(keywordClaims.Keys).ToArray();
            var bits = Math.Max(4, (int)Math.Ceiling(Math.Log2(Math.Max(1, terms.Length) * 2.0)));
            _slots = new Slot[1 << bits];
            _shift = 64 - bits;
            ClaimPostings = new Posting[claimPostings.Values.Sum(p => p.Count)];
            TopicPostings = new TopicPosting[topicPostings.Values.Sum(p => p.Count)];
            KeywordClaims = new int[keywordClaims.Values.Sum(p => p.Count)];
            int claimAt = 0, topicAt = 0, keywordAt = 0;
            foreach (var term in terms)
            {
                var slot = new Slot { Term = term, ClaimStart = claimAt, TopicStart = topicAt, KeywordStart = keywordAt };
                if (claimPostings.TryGetValue(term, out var claims))
                {
                    claims.CopyTo(ClaimPostings, claimAt);
                    claimAt += claims.Count;
                    slot.ClaimCount = claims.Count;
                }

                if (topicPostings.TryGetValue(term, out var topics))
                {
                    topics.CopyTo(TopicPostings, topicAt);
                    topicAt += topics.Count;
                    slot.TopicCount = topics.Count;
                }

                if (keywordClaims.TryGetValue(term, out var keywords))
                {
                    keywords.CopyTo(KeywordClaims, keywordAt);
                    keywordAt += keywords.Count;
                    slot.KeywordCount = keywords.Count;
                }

                var i = Home(term);
                while (_slots[i].Used)
                {
                    i = (i + 1) & (_slots.Length - 1);
                }

                _slots[i] = slot;
            }
        }

        public Posting[] ClaimPostings { get; }

        public TopicPosting[] TopicPostings { get; }

        public int[] KeywordClaims { get; }

        /// <summary>The term's slot; an empty one (no postings) when no claim uses the term.</summary>
        [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveInlining)]
        public Slot Find(ulong term)
        {
            var i = Home(term);
            while (true)
            {
                var slot = _slots[i];
                if (!slot.Used || slot.Term == term)
                {
                    return slot;
                }

                i = (i + 1) & (_slots.Length - 1);
            }
        }

        // Fibonacci hashing: the top bits of the product, so FNV hashes that differ in low bits spread over the table.
        private int Home(ulong term) => (int)((term * 0x9E3779B97F4A7C15UL) >> _shift);

        /// <summary>A term's place in the posting arrays; every indexed term has a posting, so an empty slot has none.</summary>
        internal struct Slot
        {
            public ulong Term;
            public int ClaimStart;
            public int ClaimCount;
            public int TopicStart;
            public int TopicCount;
            public int KeywordStart;
            public int KeywordCount;

            public readonly bool Used => (ClaimCount | TopicCount | KeywordCount) != 0;
        }
    }

    /// <param name="specificTerms">The statement's terms that are not topic terms.</param>
    /// <param name="keywordTerms">Each keyword's terms that are not topic terms: keywords are alternative names
    /// ("DPRK", "North Korea", "КНДР"), so one of them in full is a mention; requiring half of all of them was not.</param>
    internal sealed class ClaimEntry(ClaimDefinition definition, ProcessedText statement, float claimWeight, ulong[] topicTerms, ulong[] specificTerms, ulong[][] keywordTerms)
    {
        public ClaimDefinition Definition { get; } = definition;

        public ProcessedText Statement { get; } = statement;

        /// <summary>
        /// The article names one of the claim's keywords in full (an article naming "DPRK" and "North Korean soldiers"
        /// may deflect the claim in words of its own), or it shares claim terms carrying a fifth of their IDF weight and
        /// its TF-IDF cosine with the statement is at least 0.06. On the FNC-1 validation split this keeps 98.8% (2,503 of 2,533) of the related pairs the model
        /// calls related. Of the claim-scaling benchmark's 9,990 filler claims an article passes ~0.7 random-vocabulary
        /// ones but ~175 written from other FNC-1 stories: many stories share a subject (the Apple Watch, ISIS), and the
        /// model calls ~66 of those related, so no stricter test on terms drops them without dropping related pairs.
        /// This is the definition, computed from the article's terms; <see cref="PreparedClaims.Candidates"/> computes the
        /// same from the index postings (CandidateIndexTests).
        /// </summary>
        public bool IsCandidate(ProcessedText body)
        {
            if (NamesKeyword(body))
            {
                return true;
            }

            var hits = 0;
            float weight = 0;
            foreach (var (term, w) in ClaimTerms)
            {
                if (body.TermCounts.ContainsKey(term))
                {
                    hits++;
                    weight += w;
                }
            }

            if (hits == 0 || weight < MinimumClaimWeight)
            {
                return false;
            }

            float cosine = 0;
            foreach (var (term, w) in Statement.Vector)
            {
                if (body.Vector.TryGetValue(term, out var bw))
                {
                    cosine += w * bw;
                }
            }

            return cosine >= MinimumCosine;
        }

        /// <summary>The article names one of the claim's keywords in full (its terms that are not topic terms).</summary>
        public bool NamesKeyword(ProcessedText body) =>
            Array.Exists(keywordTerms, keyword => Array.TrueForAll(keyword, body.TermCounts.ContainsKey));

        /// <summary>The first term of each keyword: an article with one of them may name the keyword.</summary>
        public IEnumerable<ulong> KeywordFirstTerms => keywordTerms.Select(k => k[0]).Distinct();

        /// <summary>The statement's and keywords' content terms with their IDF.</summary>
        public (ulong Term, float Idf)[] ClaimTerms { get; init; } = [];

        public float ClaimWeight => claimWeight;

        public float Share(float weight) => claimWeight > 0 ? weight / claimWeight : 0;

        public ClaimContext Context(Candidate candidate, bool mentioned) =>
            new(candidate.OnTopic, candidate.ClaimShare, mentioned, keywordTerms, specificTerms, topicTerms);

        /// <summary>An article on the topic shares two of its topic terms (or the only one); 0: the claim has none, never on topic.</summary>
        public int TopicHitsNeeded => Math.Min(2, topicTerms.Length);

        public float MinimumClaimWeight => MinimumWeightShare * claimWeight;

        /// <summary>
        /// The article names one of the claim's keywords in full (the analyst chose them as what is specific to the
        /// claim), or enough of the statement's own terms (those not also topic terms): all but one when the claim has
        /// keywords, half otherwise. Half is too lax next to keywords: "the North group of forces" shares half the
        /// words of "North Korean troops are fighting alongside Russian forces" without mentioning it.
        /// </summary>
        public bool IsMentionedIn(ProcessedText body)
        {
            if (NamesKeyword(body))
            {
                return true;
            }

            var present = 0;
            foreach (var term in specificTerms)
            {
                if (body.TermCounts.ContainsKey(term))
                {
                    present++;
                }
            }

            if (specificTerms.Length == 0)
            {
                return true;
            }

            return keywordTerms.Length > 0
                ? present >= Math.Max(1, specificTerms.Length - 1)
                : present * 2 >= specificTerms.Length;
        }
    }

    private const float MinimumWeightShare = 0.2f;
    private const float MinimumCosine = 0.06f;

    /// <summary>Claims analysed once, with an inverted index from stemmed term to the claims using it.</summary>
    internal sealed class PreparedClaims : IPreparedClaims
    {
        public PreparedClaims(IReadOnlyList<ClaimDefinition> claims, IdfVocabulary idf)
        {
            Claims = claims;
            var entries = new ClaimEntry[claims.Count];
            var claimPostings = new Dictionary<ulong, List<Posting>>();
            var topicPostings = new Dictionary<ulong, List<TopicPosting>>();
            var keywordClaims = new Dictionary<ulong, List<int>>();
            var tokens = new List<RawToken>();
            for (var c = 0; c < claims.Count; c++)
            {
                var claim = claims[c];
                var statement = new ProcessedText(claim.Statement, idf);

                // Also computes the n-gram values here, so that concurrent Classify calls only read the claim.
                statement.KeepHeadlineParts();
                var claimTerms = ContentTerms(tokens, [claim.Statement, .. claim.Keywords]);
                var topicTerms = ContentTerms(tokens, [claim.Topic, .. claim.TopicKeywords]);
                var specific = ContentTerms(tokens, [claim.Statement]).Where(t => !topicTerms.Contains(t)).ToArray();
                var keywords = claim.Keywords
                    .Select(k => ContentTerms(tokens, [k]).Where(t => !topicTerms.Contains(t)).ToArray())
                    .Where(k => k.Length > 0)
                    .ToArray();
                float claimWeight = 0;
                foreach (var term in claimTerms)
                {
                    claimWeight += idf[term];
                    Post(claimPostings, term, new Posting(c, idf[term], statement.Vector.GetValueOrDefault(term)));
                }

                // A one-word topic keyword ("Kursk") is a place or name the analyst chose as the topic's marker: on its own
                // it puts an article on the topic, where a topic word shared by chance ("fighting") does not.
                var markers = ContentTerms(tokens, claim.TopicKeywords.Where(k => TermCount(tokens, k) == 1));
                foreach (var term in topicTerms)
                {
                    Post(topicPostings, term, new TopicPosting(c, markers.Contains(term) ? 2 : 1));
                }

                entries[c] = new ClaimEntry(claim, statement, claimWeight, topicTerms.Order().ToArray(), specific, keywords)
                {
                    ClaimTerms = claimTerms.Select(t => (t, idf[t])).ToArray(),
                };
                foreach (var term in entries[c].KeywordFirstTerms)
                {
                    Post(keywordClaims, term, c);
                }
            }

            Entries = entries;
            Index = new TermIndex(claimPostings, topicPostings, keywordClaims);
            _scratch = new ThreadLocal<Scratch>(() => new Scratch(entries.Length));
            _limits = entries.Select(e => new Limits(e.TopicHitsNeeded, e.MinimumClaimWeight, e.ClaimWeight)).ToArray();
        }

        /// <summary>What a claim needs to be a candidate, side by side so that checking a touched claim reads one place.</summary>
        private readonly record struct Limits(int TopicHitsNeeded, float MinimumClaimWeight, float ClaimWeight);

        private readonly Limits[] _limits;

        private readonly ThreadLocal<Scratch> _scratch;

        public IReadOnlyList<ClaimDefinition> Claims { get; }

        public int Count => Entries.Length;

        public ClaimEntry[] Entries { get; }

        public TermIndex Index { get; }

        /// <summary>
        /// The claims an article could be about (by claim terms, <see cref="ClaimEntry.IsCandidate"/>) or is on the topic of,
        /// in claim order. One pass over the postings of the article's terms sums each claim's hits, IDF weight, statement
        /// cosine and topic hits and marks it in a bit set; a scan of that set then checks the marked claims in order, from
        /// flat per-claim arrays only (never a claim's entry or its statement's vector), and resets them.
        /// </summary>
        public List<Candidate> Candidates(ProcessedText body)
        {
            var scratch = _scratch.Value!;
            var counters = scratch.Counters;
            var touched = scratch.Touched;
            try
            {
                var claimPostings = Index.ClaimPostings;
                var topicPostings = Index.TopicPostings;
                var keywordClaims = Index.KeywordClaims;
                foreach (var (term, bodyWeight) in body.Vector)
                {
                    var slot = Index.Find(term);
                    foreach (var posting in claimPostings.AsSpan(slot.ClaimStart, slot.ClaimCount))
                    {
                        ref var counter = ref counters[posting.Claim];
                        touched[posting.Claim >> 6] |= 1UL << posting.Claim;
                        counter.Hits++;
                        counter.Weight += posting.Weight;
                        counter.Cosine += posting.VectorWeight * bodyWeight;
                    }

                    foreach (var posting in topicPostings.AsSpan(slot.TopicStart, slot.TopicCount))
                    {
                        touched[posting.Claim >> 6] |= 1UL << posting.Claim;
                        counters[posting.Claim].TopicHits += posting.Weight;
                    }

                    foreach (var claim in keywordClaims.AsSpan(slot.KeywordStart, slot.KeywordCount))
                    {
                        touched[claim >> 6] |= 1UL << claim;
                        counters[claim].KeywordStarts = true;
                    }
                }

                // The touched claims in claim order, from the bit set: no list of them to keep and no sort. Each counter and
                // bit is reset as it is read, so the scratch is all zero again for the next call.
                var candidates = new List<Candidate>();
                for (var word = 0; word < touched.Length; word++)
                {
                    var bits = touched[word];
                    if (bits == 0)
                    {
                        continue;
                    }

                    touched[word] = 0;
                    do
                    {
                        var c = (word << 6) + System.Numerics.BitOperations.TrailingZeroCount(bits);
                        bits &= bits - 1;
                        var counter = counters[c];
                        counters[c] = default;
                        ref readonly var limits = ref _limits[c];
                        var onTopic = limits.TopicHitsNeeded > 0 && counter.TopicHits >= limits.TopicHitsNeeded;
                        var onClaim = (counter.Hits > 0 && counter.Weight >= limits.MinimumClaimWeight && counter.Cosine >= MinimumCosine)
                            || (counter.KeywordStarts && Entries[c].NamesKeyword(body));
                        if (onClaim || onTopic)
                        {
                            candidates.Add(new Candidate(c, onClaim, onTopic, limits.ClaimWeight > 0 ? counter.Weight / limits.ClaimWeight : 0));
                        }
                    }
                    while (bits != 0);
                }

                return candidates;
            }
            catch
            {
                // Left half counted, the scratch would corrupt this thread's next call.
                Array.Clear(counters);
                Array.Clear(touched);
                throw;
            }
        }

        /// <summary>Per-thread counters, all zero between calls, so no call clears or allocates an array per claim.</summary>
        private struct Counter
        {
            public int Hits;
            public int TopicHits;
            public float Weight;
            public float Cosine;
            public bool KeywordStarts;
        }

        private sealed class Scratch(int claims)
        {
            public Counter[] Counters { get; } = new Counter[claims];

            /// <summary>Bit c: claim c has a posting among the article's terms.</summary>
            public ulong[] Touched { get; } = new ulong[(claims + 63) / 64];
        }

        private static void Post<T>(Dictionary<ulong, List<T>> index, ulong term, T posting)
        {
            if (!index.TryGetValue(term, out var list))
            {
                index[term] = list = [];
            }

            list.Add(posting);
        }

        private static int TermCount(List<RawToken> tokens, string text)
        {
            tokens.Clear();
            Tokenizer.Tokenize(text, tokens);
            return tokens.Count(t => (Lexicon.CueOf(t.Hash) & Cue.Stop) == 0);
        }

        private static HashSet<ulong> ContentTerms(List<RawToken> tokens, IEnumerable<string> texts)
        {
            var terms = new HashSet<ulong>();
            foreach (var text in texts)
            {
                tokens.Clear();
                Tokenizer.Tokenize(text, tokens);
                foreach (var t in tokens)
                {
                    if ((Lexicon.CueOf(t.Hash) & Cue.Stop) == 0)
                    {
                        terms.Add(t.Hash);
                    }
                }
            }

            return terms;
        }
    }
}
