using System.Text;
using Google.Protobuf.WellKnownTypes;
using Microsoft.Extensions.Logging.Abstractions;
using NarrativeMonitor.Alerts;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Classification.Claims;
using NarrativeMonitor.Classifier.Text;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Ingest.V1;
using ProtoClaim = NarrativeMonitor.Protos.Classification.V1.Claim;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.FaultTests;

/// <summary>What an article is written to be toward its claim.</summary>
public enum Intended
{
    Acknowledges,
    Discusses,
    Omits,
    Denies,
    Deflects,
    StateAcknowledges,
}

public sealed record WorkloadArticle(Article Article, Intended Intended, string ClaimId);

/// <summary>
/// A deterministic synthetic workload in which every article lands in the alert ledger exactly once (non-state sources
/// only acknowledge; state outlets only write about a claim), so "every accepted article was recorded" can be counted,
/// and whose alerts do not depend on the order the pipeline sees the articles in: per (claim, outlet) at most one denial,
/// one deflection and one run of exactly three omissions, every state article after the claim's confirmation, and a
/// state acknowledgement only after everything else of that outlet. Reordering (retries, redeliveries, concurrent
/// consumers) then changes when an alert is first seen, never which alerts exist, so a second RAISED event for an id
/// can only come from a duplicate evaluation.
/// </summary>
public sealed class Workload
{
    private static readonly DateTimeOffset Epoch = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
    private static readonly string[] Syllables = ["ka", "lo", "mi", "re", "tu", "sa", "vo", "ne", "di", "pa", "zo", "ri", "ba", "ge", "lu", "fe"];

    private static readonly string[] Vocabulary =
    [
        "river", "garden", "window", "bread", "music", "market", "winter", "summer", "school", "bridge", "road", "harbour",
        "village", "forest", "mountain", "lake", "museum", "library", "theatre", "orchestra", "farmer", "baker", "painter",
        "teacher", "student", "tourist", "festival", "harvest", "recipe", "kitchen", "table", "chair", "lamp", "clock",
        "letter", "ticket", "train", "bus", "bicycle", "ferry", "airport", "station", "tower", "castle", "square", "park",
        "street", "corner", "shop", "bakery", "cafe", "hotel", "guest", "door", "roof", "wall", "floor", "flower", "tree",
        "leaf", "apple", "pear", "plum", "cherry", "grape", "honey", "cheese", "butter", "milk", "tea", "coffee", "soup",
        "salad", "rice", "bean", "carrot", "potato", "onion", "tomato", "pepper", "salt", "sugar", "flour", "oven", "stove",
        "kettle", "cup", "plate", "spoon", "fork", "basket", "coat", "hat", "shoe", "scarf", "glove", "blanket", "pillow",
        "candle", "mirror", "camera", "radio", "piano", "violin", "guitar", "drum", "song", "dance", "poem", "novel", "map",
        "compass", "lantern", "boat", "sail", "anchor", "island", "beach", "wave", "shell", "sand", "stone", "hill", "valley",
        "meadow", "field", "fence", "barn", "horse", "sheep", "goat", "duck", "goose", "rabbit", "owl", "sparrow", "swan",
    ];

    private static readonly string[] Acknowledging =
    [
        "{Fact}, officials confirmed on Tuesday, citing intercepted communications.",
        "Satellite images and field reports show that {fact}, analysts said.",
        "{Fact}, according to two defence officials and a regional governor.",
        "Investigators have established that {fact} since early this month.",
    ];

    private static readonly string[] StateAcknowledging =
    [
        "{Fact}, the ministry acknowledged in a statement on Friday.",
        "For the first time the agency's own correspondent confirmed that {fact}.",
    ];

    private static readonly string[] Hedged =
    [
        "{Fact}, reportedly, though this could not be independently verified.",
        "Unverified footage suggests that {fact}.",
    ];

    private static readonly string[] Denying =
    [
        "Reports that {fact} are a crude fake spread by hostile media, the spokesman said.",
        "Claims that {fact} are baseless disinformation, the ministry insisted.",
        "The story that {fact} is a fabrication meant to discredit the operation.",
    ];

    private static readonly string[] Deflecting =
    [
        "Asked whether {fact}, the spokesman declined to comment.",
        "We can neither confirm nor deny that {fact}, the press secretary told reporters.",
        "On whether {fact}, the ministry said it had nothing to add.",
    ];

    private static readonly string[] Topic =
    [
        "Shelling was heard near {place} in the {region} district overnight, local authorities said.",
        "Residents of {place} were evacuated to shelters as fighting in {region} continued for a {n}th day.",
        "The governor of {region} said power had been restored to {n} homes in and around {place}.",
        "Heavy artillery exchanges were recorded on the approaches to {place} in {region}.",
    ];

    public Workload(int articleCount, int seed = 7)
    {
        Sources =
        [
            .. new[] { ProtoSourceKind.Wire, ProtoSourceKind.Wire, ProtoSourceKind.Independent, ProtoSourceKind.Independent,
                ProtoSourceKind.Official, ProtoSourceKind.Official, ProtoSourceKind.Analysis, ProtoSourceKind.Analysis }
                .Select((kind, i) => new Source { Id = $"fx-{kind.ToString().ToLowerInvariant()}-{i}", Name = $"Fault test {kind} {i}", Kind = kind, Country = "GB", Language = "en" }),
            .. Enumerable.Range(0, 8).Select(i => new Source { Id = $"fx-state-{i}", Name = $"Fault test state outlet {i}", Kind = ProtoSourceKind.StateMedia, Country = "RU", Language = "en" }),
        ];
        var others = Sources.Where(s => s.Kind != ProtoSourceKind.StateMedia).ToArray();
        var states = Sources.Where(s => s.Kind == ProtoSourceKind.StateMedia).ToArray();

        var random = new Random(seed);
        var drafts = new List<(DateTimeOffset Published, Source Source, Intended Intended, int Claim)>();
        var claims = new List<(ProtoClaim, string, string, string)>();
        // One round of articles per claim: a second round would bring a second denial by an outlet, whose order matters.
        while (drafts.Count < articleCount)
        {
            var claim = claims.Count;
            claims.Add(NewClaim(claim));
            var start = Epoch + TimeSpan.FromMinutes(random.Next(0, 10 * 24 * 60));
            // Two sources confirm right at the start; later acknowledgements do not move the confirmation.
            var first = random.Next(others.Length);
            var second = (first + 1 + random.Next(others.Length - 1)) % others.Length;
            drafts.Add((start, others[first], Intended.Acknowledges, claim));
            drafts.Add((start + TimeSpan.FromMinutes(20), others[second], Intended.Acknowledges, claim));
            for (var i = random.Next(4, 12); i > 0; i--)
            {
                drafts.Add((start + TimeSpan.FromMinutes(random.Next(60, 12 * 24 * 60)), others[random.Next(others.Length)], Intended.Acknowledges, claim));
            }

            var afterConfirmation = start + TimeSpan.FromHours(3);
            foreach (var outlet in states)
            {
                var outletArticles = new List<(DateTimeOffset, Source, Intended, int)>();
                DateTimeOffset At(int maxMinutes) => afterConfirmation + TimeSpan.FromMinutes(random.Next(0, maxMinutes));
                if (random.NextDouble() < 0.35)
                {
                    outletArticles.Add((At(8 * 24 * 60), outlet, Intended.Denies, claim));
                }

                if (random.NextDouble() < 0.3)
                {
                    outletArticles.Add((At(8 * 24 * 60), outlet, Intended.Deflects, claim));
                }

                if (random.NextDouble() < 0.4)
                {
                    var run = At(6 * 24 * 60);
                    for (var i = 0; i < 3; i++)
                    {
                        outletArticles.Add((run + TimeSpan.FromMinutes(random.Next(0, 5 * 24 * 60)), outlet, Intended.Omits, claim));
                    }
                }

                for (var i = random.Next(1, 5); i > 0; i--)
                {
                    outletArticles.Add((At(9 * 24 * 60), outlet, Intended.Discusses, claim));
                }

                if (random.NextDouble() < 0.3)
                {
                    var last = outletArticles.Max(a => a.Item1);
                    outletArticles.Add((last + TimeSpan.FromMinutes(random.Next(60, 2 * 24 * 60)), outlet, Intended.StateAcknowledges, claim));
                }

                drafts.AddRange(outletArticles);
            }
        }

        Claims = claims;
        var ordered = drafts.Take(articleCount).Select((d, i) => (d, tie: i)).OrderBy(x => x.d.Published).ThenBy(x => x.tie).Select(x => x.d).ToArray();
        Articles = ordered.Select((d, index) => Write(random, index, d.Published, d.Source, d.Intended, Claims[d.Claim])).ToArray();
    }

    public IReadOnlyList<Source> Sources { get; }
    public IReadOnlyList<(ProtoClaim Claim, string Fact, string Place, string Region)> Claims { get; }
    public IReadOnlyList<WorkloadArticle> Articles { get; }

    /// <summary>
    /// What the pipeline must end with: each article's ledger entries (classified in-process with the same classifier the
    /// classification processes run, the rules: see <see cref="Deployment"/>) and the alerts the rules derive from them.
    /// </summary>
    public Expected ComputeExpected()
    {
        var classifier = ClassificationServiceExtensions.CreateClassifier(ClassifierKind.Rules);
        var records = Claims.Select(c => ClaimMapping.ToRecord(c.Claim, idRequired: true, DateTimeOffset.UtcNow)).ToList();
        var prepared = classifier.Prepare(records.Select(r => r.ToDefinition()).ToArray());
        var active = new ActiveClaimSet(1, prepared, records.ToDictionary(r => r.Id, StringComparer.Ordinal));
        var stances = new ArticleStanceClassifier(classifier, TimeProvider.System, NullLogger<ArticleStanceClassifier>.Instance);
        var kinds = Sources.ToDictionary(s => s.Id, s => (SourceKind)s.Kind);
        var names = Sources.ToDictionary(s => s.Id, s => s.Name);

        var confirmations = new Dictionary<string, List<Confirmation>>(StringComparer.Ordinal);
        var observations = new Dictionary<(string Claim, string Outlet), List<Observation>>();
        var entries = new List<LedgerEntry>();
        var agreeing = 0;
        foreach (var item in Articles)
        {
            var article = item.Article;
            var detected = LanguageDetector.Detect(article.Title, article.Body);
            var classified = stances.Classify(new ArticleIngested
            {
                ArticleId = article.Id,
                SourceId = article.SourceId,
                SourceKind = kinds[article.SourceId],
                Url = article.Url,
                PublishedAt = article.PublishedAt.ToDateTimeOffset(),
                Title = article.Title,
                Body = article.Body,
                Language = article.Language,
                ContentHash = "",
                IngestedAt = DateTimeOffset.UtcNow,
                DetectedLanguage = detected?.Language,
                LanguageConfidence = detected?.Confidence,
            }, active);
            var intended = item.Intended switch
            {
                Intended.Acknowledges or Intended.StateAcknowledges => Stance.Acknowledges,
                Intended.Discusses => Stance.Discusses,
                Intended.Omits => Stance.Omits,
                Intended.Denies => Stance.Denies,
                _ => Stance.Deflects,
            };
            if (classified.Results.Count == 1 && classified.Results[0].ClaimId == item.ClaimId && classified.Results[0].Stance == intended)
            {
                agreeing++;
            }

            foreach (var result in classified.Results)
            {
                if (classified.SourceKind == SourceKind.StateMedia)
                {
                    Add(observations, (result.ClaimId, article.SourceId),
                        new Observation(article.Id, classified.PublishedAt, result.Stance, result.Confidence, result.Evidence,
                            article.Url, article.Title, names[article.SourceId]));
                    entries.Add(new LedgerEntry(result.ClaimId, article.SourceId, article.Id));
                }
                else if (result.Stance == Stance.Acknowledges)
                {
                    Add(confirmations, result.ClaimId, new Confirmation(article.SourceId, article.Id, classified.PublishedAt,
                        article.Url, article.Title, names[article.SourceId], result.Evidence, article.SourceId));
                    entries.Add(new LedgerEntry(result.ClaimId, null, article.Id));
                }
            }
        }

        var rules = records.ToDictionary(r => r.Id, r => r.Rules, StringComparer.Ordinal);
        // As the alert service describes them: from the claim's words the classification results carry.
        var descriptions = records.ToDictionary(r => r.Id, r => new ClaimDescription(r.Statement, r.Topic), StringComparer.Ordinal);
        var alerts = observations
            .SelectMany(pair => DivergenceRules.Derive(pair.Key.Claim, pair.Key.Outlet, confirmations.GetValueOrDefault(pair.Key.Claim) ?? [], rules[pair.Key.Claim], pair.Value,
                descriptions[pair.Key.Claim]))
            .ToList();
        return new Expected(entries, alerts, (double)agreeing / Articles.Count);
    }

    private static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> map, TKey key, TValue value) where TKey : notnull
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(value);
    }

    private static (ProtoClaim, string, string, string) NewClaim(int index)
    {
        var adjective = Capitalize(Word(index * 4)) + "ian";
        var unit = Capitalize(Word(index * 4 + 1)) + "ar";
        var place = Capitalize(Word(index * 4 + 2)) + "ovo";
        var region = Capitalize(Word(index * 4 + 3)) + "ask";
        var fact = $"{adjective} {unit} troops are fighting in {place}";
        var claim = new ProtoClaim
        {
            Id = $"fx-claim-{index:D4}",
            Statement = Capitalize(fact),
            Topic = $"{place} {region} frontline",
            Keywords = { unit, adjective },
            TopicKeywords = { place, region },
        };
        return (claim, fact, place, region);
    }

    private static WorkloadArticle Write(Random random, int index, DateTimeOffset published, Source source, Intended intended, (ProtoClaim Claim, string Fact, string Place, string Region) claim)
    {
        var templates = intended switch
        {
            Intended.Acknowledges => Acknowledging,
            Intended.StateAcknowledges => StateAcknowledging,
            Intended.Discusses => Hedged,
            Intended.Omits => Topic,
            Intended.Denies => Denying,
            _ => Deflecting,
        };
        var key = templates[random.Next(templates.Length)]
            .Replace("{fact}", claim.Fact, StringComparison.Ordinal)
            .Replace("{Fact}", Capitalize(claim.Fact), StringComparison.Ordinal)
            .Replace("{place}", claim.Place, StringComparison.Ordinal)
            .Replace("{region}", claim.Region, StringComparison.Ordinal)
            .Replace("{n}", random.Next(2, 40).ToString(), StringComparison.Ordinal);
        // Sentences of random everyday words around the key sentence: no stance cue, no claim term, and no two articles
        // alike (the near-duplicate detector must not link them).
        var body = new StringBuilder();
        body.Append(Sentence(random)).Append(' ').Append(key);
        for (var i = 0; i < 3; i++)
        {
            body.Append(' ').Append(Sentence(random));
        }

        var article = new Article
        {
            Id = $"fx-{index:D6}",
            SourceId = source.Id,
            Url = $"https://{source.Id}.example.org/{published:yyyy/MM/dd}/{index}",
            PublishedAt = Timestamp.FromDateTimeOffset(published),
            Title = $"{claim.Place}: {(intended == Intended.Omits ? "overnight events" : "latest from the region")}",
            Body = body.ToString(),
            Language = "en",
        };
        return new WorkloadArticle(article, intended, claim.Claim.Id);
    }

    private static string Sentence(Random random)
    {
        var words = new StringBuilder();
        var count = random.Next(9, 14);
        for (var i = 0; i < count; i++)
        {
            if (i > 0)
            {
                words.Append(i % 4 == 2 ? " and the " : " ");
            }

            words.Append(Vocabulary[random.Next(Vocabulary.Length)]);
        }

        return Capitalize(words.ToString()) + ".";
    }

    /// <summary>An invented word per index: four syllables, a bijection scattered over the space.</summary>
    private static string Word(int index)
    {
        var n = (int)((long)index * 7919 % 65536);
        var word = new StringBuilder(8);
        for (var i = 0; i < 4; i++)
        {
            word.Append(Syllables[n % Syllables.Length]);
            n /= Syllables.Length;
        }

        return word.ToString();
    }

    private static string Capitalize(string word) => char.ToUpperInvariant(word[0]) + word[1..];
}

/// <summary>One ledger field: an observation (outlet set) or a confirmation (outlet null) of an article on a claim.</summary>
public sealed record LedgerEntry(string ClaimId, string? Outlet, string ArticleId);

public sealed record Expected(IReadOnlyList<LedgerEntry> Entries, IReadOnlyList<AlertEpisode> Alerts, double StanceAgreement);
