using NarrativeMonitor.Classifier;
using NarrativeMonitor.StanceModel.Text;

namespace NarrativeMonitor.StanceModel.Benchmarks;

public enum ClaimFill
{
    /// <summary>
    /// Filler claims as an analyst would track them (statement, topic, keywords, topic keywords), written from the
    /// FNC-1 training headlines and bodies of stories other than the benchmark articles' own: the requirement's measure.
    /// </summary>
    OtherStories,

    /// <summary>Filler claims of random words from the FNC-1 vocabulary: few share a story with any article.</summary>
    RandomVocabulary,

    /// <summary>
    /// Filler claims are sentences of any FNC-1 training body, the benchmark articles' own stories included: many are
    /// about the articles' stories and really have to be compared. A worst case, not the requirement's measure.
    /// </summary>
    SentencesOfAllStories,
}

/// <summary>The claim sets of <see cref="ClaimScalingBenchmarks"/>: the same 10 real claims, then filler claims.</summary>
internal static class ClaimSets
{
    public const int RealClaims = 10;

    public static List<ArticleText> Articles() => BenchmarkData.BenchmarkArticles.Select(a => new ArticleText("", a.Body)).ToList();

    /// <summary>
    /// The first 10 distinct related headlines of the benchmark articles as claims (topic and keywords written from their
    /// story like the filler's), then <paramref name="count"/> - 10 filler claims.
    /// </summary>
    public static List<ClaimDefinition> Build(ClaimFill fill, int count)
    {
        var claims = RealClaimDefinitions();
        var filler = fill switch
        {
            ClaimFill.OtherStories => OtherStoryClaims(),
            ClaimFill.RandomVocabulary => RandomClaims(),
            ClaimFill.SentencesOfAllStories => SentenceClaims(),
            _ => throw new ArgumentOutOfRangeException(nameof(fill)),
        };
        claims.AddRange(filler.Take(count - claims.Count));
        if (claims.Count != count || claims.Select(c => c.Statement).Distinct().Count() != count)
        {
            throw new InvalidOperationException($"{fill}: {claims.Count} claims, expected {count} distinct");
        }

        return claims;
    }

    public static List<ClaimDefinition> RealClaimDefinitions()
    {
        var storyOf = StoryOfHeadline();
        return BenchmarkData.BenchmarkArticles.Select(a => a.Headline).Distinct().Take(RealClaims)
            .Select((h, i) => Writer.Value.Claim($"real-{i}", h, Writer.Value.Profile(storyOf[h]))).ToList();
    }

    /// <summary>Stories with no benchmark article; see <see cref="OtherStoryClaims"/>.</summary>
    public static List<FncStory> OtherStories()
    {
        var articles = BenchmarkData.BenchmarkArticles.Select(a => a.BodyId).ToHashSet();
        return BenchmarkData.Stories.Where(s => !s.BodyIds.Any(articles.Contains)).ToList();
    }

    /// <summary>
    /// Claims from stories that contain none of the benchmark articles (a story is closed over related pairs, so none
    /// of these headlines or bodies is related to an article or to a headline related to one). Each story gets a
    /// topic and topic keywords; its headlines, then sentences of its training bodies, become statements, taken one
    /// story after another in turn. A sentence that also appears in a body of an article's story is skipped.
    /// </summary>
    private static IEnumerable<ClaimDefinition> OtherStoryClaims()
    {
        var writer = Writer.Value;
        var training = BenchmarkData.Training.Bodies;
        var others = OtherStories();
        var otherBodies = others.SelectMany(s => s.BodyIds).ToHashSet();
        var excludedSentences = BenchmarkData.Full.Bodies.Where(b => !otherBodies.Contains(b.Key)).SelectMany(b => Sentences(b.Value)).ToHashSet();
        var random = new Random(7);
        var queues = others.Select(story =>
        {
            var headlines = story.Headlines.ToArray();
            random.Shuffle(headlines);
            var sentences = story.BodyIds.Where(training.ContainsKey).SelectMany(id => Sentences(training[id])).Distinct().ToArray();
            random.Shuffle(sentences);
            return (Profile: writer.Profile(story), Statements: new Queue<string>(headlines.Concat(sentences)));
        }).ToList();

        var used = new HashSet<string>(StringComparer.Ordinal);
        for (var round = 0; queues.Any(q => q.Statements.Count > 0); round++)
        {
            foreach (var (profile, statements) in queues)
            {
                while (statements.TryDequeue(out var statement))
                {
                    if (!excludedSentences.Contains(statement) && used.Add(statement))
                    {
                        yield return writer.Claim($"story{profile.Story}-{round}", statement, profile);
                        break;
                    }
                }
            }
        }
    }

    private static IEnumerable<ClaimDefinition> RandomClaims()
    {
        var words = BenchmarkData.Training.Bodies.OrderBy(b => b.Key)
            .SelectMany(b => b.Value.Split((char[])[' ', '\n', ',', '.', '"', '(', ')'], StringSplitOptions.RemoveEmptyEntries))
            .Select(w => w.ToLowerInvariant()).Where(w => w.Length > 3 && w.All(char.IsLetter)).Distinct().Order(StringComparer.Ordinal).ToArray();
        var random = new Random(11);
        string Words(int n) => string.Join(' ', Enumerable.Range(0, n).Select(_ => words[random.Next(words.Length)]));
        for (var i = 0; ; i++)
        {
            yield return new ClaimDefinition($"random-{i}", Words(10), Words(3), [Words(1)], [Words(1), Words(1)]);
        }
    }

    private static IEnumerable<ClaimDefinition> SentenceClaims()
    {
        var sentences = BenchmarkData.Training.Bodies.OrderBy(b => b.Key)
            .SelectMany(b => b.Value.Split((string[])[". ", "\n"], StringSplitOptions.RemoveEmptyEntries))
            .Select(s => s.Trim()).Where(s => s.Split(' ').Length is >= 8 and <= 25).Distinct().ToArray();
        new Random(11).Shuffle(sentences);
        return sentences.Select((s, i) => new ClaimDefinition($"sentence-{i}", s, "", [], []));
    }

    /// <summary>Sentences of 8 to 25 words, as statements.</summary>
    private static IEnumerable<string> Sentences(string body) =>
        body.Split((string[])[". ", "? ", "! ", "\n"], StringSplitOptions.RemoveEmptyEntries)
            .Select(s => s.Trim().TrimEnd('.')).Where(s => s.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length is >= 8 and <= 25);

    private static Dictionary<string, FncStory> StoryOfHeadline() =>
        BenchmarkData.Stories.SelectMany(s => s.Headlines.Select(h => (h, s))).ToDictionary(x => x.h, x => x.s, StringComparer.Ordinal);

    private static readonly Lazy<ClaimWriter> Writer = new(() => new ClaimWriter(BenchmarkData.Training.Bodies.Values));
}

/// <param name="Story">The FNC story id.</param>
/// <param name="TopicWords">Lower-cased words of the topic and topic keywords.</param>
internal sealed record StoryProfile(int Story, string Topic, string[] TopicKeywords, HashSet<string> TopicWords);

/// <summary>
/// Writes claims the way an analyst would from a story's text: the topic keywords are the story's subject (the name most
/// of its bodies use) and the name that best marks it; the topic is the subject and the two headline words that best mark
/// the story; a claim's keywords are the names its statement uses beyond the topic, else its rarest word if rare enough.
/// </summary>
internal sealed class ClaimWriter
{
    private readonly Dictionary<string, int> _documentFrequency = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (int Capitalised, int Total)> _case = new(StringComparer.Ordinal);
    private readonly int _documents;

    public ClaimWriter(IEnumerable<string> corpus)
    {
        foreach (var text in corpus)
        {
            _documents++;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (word, initial) in Words(text))
            {
                var lower = word.ToLowerInvariant();
                if (seen.Add(lower))
                {
                    _documentFrequency[lower] = _documentFrequency.GetValueOrDefault(lower) + 1;
                }

                if (!initial)
                {
                    var (c, t) = _case.GetValueOrDefault(lower);
                    _case[lower] = (c + (char.IsUpper(word[0]) ? 1 : 0), t + 1);
                }
            }
        }
    }

    public StoryProfile Profile(FncStory story)
    {
        var bodies = story.BodyIds.Where(BenchmarkData.Training.Bodies.ContainsKey).Select(id => BenchmarkData.Training.Bodies[id]).ToList();
        var texts = bodies.Count > 0 ? bodies : story.Headlines.ToList();

        // The story's names (runs of capitalised words): the one most of its bodies use is its subject ("Apple Watch",
        // "Boko Haram"); the other topic keyword is the name that best marks it (common in it, rare elsewhere).
        var names = texts.SelectMany(b => NameRuns(b).Distinct(StringComparer.Ordinal))
            .GroupBy(n => n, StringComparer.Ordinal)
            .Select(g => (Name: g.Key, Share: (double)g.Count() / texts.Count, Idf: g.Key.Split(' ').Max(w => Idf(w.ToLowerInvariant()))))
            .ToList();
        var subject = names.OrderByDescending(n => n.Share).ThenByDescending(n => n.Idf).ThenBy(n => n.Name, StringComparer.Ordinal).Select(n => n.Name).FirstOrDefault();
        var marker = names.Where(n => n.Name != subject).OrderByDescending(n => n.Share * n.Idf).ThenBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => n.Name).FirstOrDefault();
        var topicKeywords = new[] { subject, marker }.OfType<string>().ToArray();

        // The topic: the subject and the headline words that best mark the story (in many of its headlines and bodies, rare elsewhere).
        double Share(IReadOnlyCollection<string> documents, string lower) =>
            (double)documents.Count(d => Words(d).Any(w => string.Equals(w.Word, lower, StringComparison.OrdinalIgnoreCase))) / documents.Count;
        var subjectWords = (subject ?? "").Split(' ').Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        var words = story.Headlines.SelectMany(h => Words(h).Select(w => w.Word).Where(IsContent))
            .GroupBy(w => w.ToLowerInvariant()).Where(g => !subjectWords.Contains(g.Key))
            .Select(g => (Word: g.GroupBy(w => w, StringComparer.Ordinal).MaxBy(v => v.Count())!.Key, Score: (Share(story.Headlines, g.Key) + Share(texts, g.Key)) * Idf(g.Key)))
            .OrderByDescending(x => x.Score).ThenBy(x => x.Word, StringComparer.Ordinal)
            .Take(subject is null ? 3 : 2).Select(x => x.Word);
        var topic = new[] { subject }.OfType<string>().Concat(words).ToArray();
        var topicWords = topic.Concat(topicKeywords).SelectMany(n => n.Split(' ')).Select(w => w.ToLowerInvariant()).ToHashSet(StringComparer.Ordinal);
        return new StoryProfile(story.Id, string.Join(' ', topic), topicKeywords, topicWords);
    }

    /// <summary>
    /// Keywords: up to two names of the statement that are not all topic words (an analyst's alternative names for what
    /// the claim is about), else the statement's rarest word outside the topic if it is in under 1% of the bodies, else none.
    /// </summary>
    public ClaimDefinition Claim(string id, string statement, StoryProfile profile)
    {
        var chosen = NameRuns(statement).Where(n => n.Split(' ').Any(w => !profile.TopicWords.Contains(w.ToLowerInvariant())))
            .Distinct(StringComparer.Ordinal)
            .OrderByDescending(n => n.Split(' ').Max(w => Idf(w.ToLowerInvariant()))).ThenBy(n => n, StringComparer.Ordinal)
            .Take(2).ToList();
        if (chosen.Count == 0)
        {
            var rarest = Words(statement).Select(w => w.Word).Where(w => IsContent(w) && !profile.TopicWords.Contains(w.ToLowerInvariant()))
                .MaxBy(w => Idf(w.ToLowerInvariant()));
            if (rarest is not null && Idf(rarest.ToLowerInvariant()) >= Math.Log(100))
            {
                chosen.Add(rarest);
            }
        }

        return new ClaimDefinition(id, statement, profile.Topic, chosen, profile.TopicKeywords);
    }

    /// <summary>Runs of names not starting a sentence ("Boko Haram", "Las Vegas"), possessive 's dropped.</summary>
    private IEnumerable<string> NameRuns(string text)
    {
        var run = new List<string>();
        foreach (var (word, initial) in Words(text).Append(("", true)))
        {
            var name = word.EndsWith("'s", StringComparison.Ordinal) || word.EndsWith("’s", StringComparison.Ordinal) ? word[..^2] : word;
            if (!initial && name.Length > 0 && char.IsUpper(name[0]) && IsContent(name) && IsName(name) && !Calendar.Contains(name))
            {
                run.Add(name);
                if (name != word)
                {
                    yield return string.Join(' ', run);
                    run.Clear();
                }

                continue;
            }

            if (run.Count > 0)
            {
                yield return string.Join(' ', run);
                run.Clear();
            }
        }
    }

    private static readonly HashSet<string> Calendar = new(
        ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "January", "February", "March", "April",
            "May", "June", "July", "August", "September", "October", "November", "December"], StringComparer.Ordinal);

    private double Idf(string lower) => Math.Log((_documents + 1.0) / (_documentFrequency.GetValueOrDefault(lower) + 1.0));

    /// <summary>Capitalised in at least 80% of its (at least two) uses that do not start a sentence.</summary>
    private bool IsName(string word) =>
        _case.TryGetValue(word.ToLowerInvariant(), out var c) ? c.Total >= 2 && c.Capitalised >= 0.8 * c.Total : char.IsUpper(word[0]);

    private static bool IsContent(string word) =>
        word.Length >= 3 && !word.All(char.IsDigit) && (Lexicon.CueOf(Lexicon.HashOfWord(word)) & Cue.Stop) == 0;

    /// <summary>Words (letters, digits, inner apostrophes) and whether each starts a sentence or a quotation.</summary>
    private static IEnumerable<(string Word, bool Initial)> Words(string text)
    {
        var initial = true;
        var i = 0;
        while (i < text.Length)
        {
            var ch = text[i];
            if (!char.IsLetterOrDigit(ch))
            {
                if (ch is '.' or '!' or '?' or '\n' or '"' or '\u201C' or ':')
                {
                    initial = true;
                }

                i++;
                continue;
            }

            var start = i;
            while (i < text.Length && (char.IsLetterOrDigit(text[i]) || (text[i] is '\'' or '\u2019' && i + 1 < text.Length && char.IsLetter(text[i + 1]))))
            {
                i++;
            }

            yield return (text[start..i], initial);
            initial = false;
        }
    }
}
