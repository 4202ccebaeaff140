using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.LoadTest;

/// <summary>What an article is written to be toward its claim (the classifier decides what it is).</summary>
public enum IntendedStance
{
    Unrelated,
    Omits,
    Acknowledges,
    Discusses,
    Denies,
    Deflects,
    StateAcknowledges,
}

public sealed record SyntheticClaim(
    string Id, string Statement, string Topic, string[] Keywords, string[] TopicKeywords,
    string Adjective, string Unit, string Noun, string Verb, string Place, string Region);

/// <summary>
/// A deterministic corpus: sources, claims and articles follow from the seed alone, except that ids and URLs carry the
/// run tag so that a rerun against the same deployment is not de-duplicated away.
/// </summary>
/// <remarks>
/// Every claim names a unit, a country and a place of its own (invented words, unique per claim and role), so an article
/// about one claim is never about another: the statement's distinctive terms are the country adjective, the unit, a noun
/// and a verb, and two claims share at most the noun and the verb (half the terms, under the classifier's 60% bar).
/// Neutral filler contains none of the classifier's cue phrases, so the stance comes from the one sentence written for it.
/// </remarks>
public sealed class SyntheticCorpus
{
    private const int RoleCount = 7;
    private const int FillerRole = 6;
    private static readonly string[] Syllables =
        ["ka", "lo", "mi", "re", "tu", "sa", "vo", "ne", "di", "pa", "zo", "ri", "ba", "ge", "lu", "fe", "to", "ma", "si", "du"];
    private static readonly int WordSpace = Syllables.Length * Syllables.Length * Syllables.Length * Syllables.Length;

    private static readonly string[] Nouns =
        ["troops", "battalions", "units", "formations", "contingents", "detachments", "regiments", "crews", "instructors", "gunners"];
    private static readonly string[] Verbs =
        ["fighting", "deployed", "stationed", "operating", "garrisoned", "entrenched", "advancing", "positioned", "training", "serving"];

    private static readonly DateTimeOffset Epoch = new(2025, 1, 6, 0, 0, 0, TimeSpan.Zero);
    /// <summary>Published times advance this much per article, so 20,000 articles span about ten days.</summary>
    private static readonly TimeSpan PublishedStep = TimeSpan.FromSeconds(43);

    private readonly int _seed;
    private readonly string _tag;

    public SyntheticCorpus(int seed, string runTag, int claimCount)
    {
        if (claimCount * RoleCount >= WordSpace)
        {
            throw new ArgumentOutOfRangeException(nameof(claimCount), $"at most {WordSpace / RoleCount - 1} claims");
        }

        _seed = seed;
        _tag = runTag;
        Sources = BuildSources();
        StateSources = Sources.Where(s => s.Kind == ProtoSourceKind.StateMedia).ToArray();
        OtherSources = Sources.Where(s => s.Kind != ProtoSourceKind.StateMedia).ToArray();
        Claims = Enumerable.Range(0, claimCount).Select(BuildClaim).ToArray();
    }

    public IReadOnlyList<Source> Sources { get; }
    public IReadOnlyList<Source> StateSources { get; }
    public IReadOnlyList<Source> OtherSources { get; }
    public IReadOnlyList<SyntheticClaim> Claims { get; }

    /// <summary>Claim ids of this run start with this.</summary>
    public string ClaimIdPrefix => $"lt-{_tag}-c";

    public string ArticleId(int index) => $"lt-{_tag}-a{index:D7}";

    public static IntendedStance Intend(double roll) => roll switch
    {
        < 0.60 => IntendedStance.Unrelated,
        < 0.76 => IntendedStance.Omits,
        < 0.86 => IntendedStance.Acknowledges,
        < 0.89 => IntendedStance.Discusses,
        < 0.935 => IntendedStance.Denies,
        < 0.98 => IntendedStance.Deflects,
        _ => IntendedStance.StateAcknowledges,
    };

    public (SubmitArticleRequest Request, IntendedStance Stance, string ClaimId) Article(int index)
    {
        var random = new Random(Mix(_seed, index, 0x5eed));
        var stance = Intend(random.NextDouble());
        // Skewed towards the first claims: a few stories dominate the news, most claims see little coverage.
        var claim = Claims[(int)(Claims.Count * Math.Pow(random.NextDouble(), 2))];
        var source = stance switch
        {
            IntendedStance.Unrelated => Sources[random.Next(Sources.Count)],
            IntendedStance.Omits => random.NextDouble() < 0.7 ? Pick(random, StateSources) : Pick(random, OtherSources),
            IntendedStance.Acknowledges or IntendedStance.Discusses => Pick(random, OtherSources),
            _ => Pick(random, StateSources),
        };

        var published = Epoch + PublishedStep * index + TimeSpan.FromSeconds(random.Next(-1800, 1800));
        var body = new StringBuilder(3200);
        var targetLength = random.Next(1500, 2900);
        var keyAt = random.Next(2, 6);
        var sentences = 0;
        body.Append(CultureInfo.InvariantCulture, $"Filed {published:d MMMM yyyy} under reference {_tag} {index}. ");
        while (body.Length < targetLength || sentences <= keyAt)
        {
            if (sentences == keyAt)
            {
                AppendKeySentences(body, random, stance, claim);
            }
            else
            {
                body.Append(Filler(random, military: false)).Append(' ');
            }

            sentences++;
        }

        var title = stance == IntendedStance.Unrelated
            ? Pick(random, Headlines).Replace("{town}", Capitalize(Word(FillerRole, random.Next(WordSpace / RoleCount)) + "a"), StringComparison.Ordinal)
            : $"{claim.Place}: {Pick(random, TopicHeadlines)}";
        var request = new SubmitArticleRequest
        {
            Article = new Article
            {
                Id = ArticleId(index),
                SourceId = source.Id,
                Url = $"https://{source.Id}.example.org/{published:yyyy/MM/dd}/{_tag}-{index}",
                PublishedAt = Timestamp.FromDateTimeOffset(published),
                Title = title,
                Body = body.ToString().TrimEnd(),
                Language = "en",
            },
        };
        return (request, stance, claim.Id);
    }

    private static void AppendKeySentences(StringBuilder body, Random random, IntendedStance stance, SyntheticClaim claim)
    {
        var fact = $"{claim.Adjective} {claim.Unit} {claim.Noun} are {claim.Verb} in {claim.Place}";
        var sentence = stance switch
        {
            // About a third of the unrelated articles carry one generic military sentence, which shares words with the
            // statements of many claims: the classifier must look at those claims and find the article unrelated.
            IntendedStance.Unrelated => Filler(random, military: random.NextDouble() < 0.3),
            IntendedStance.Omits => Pick(random, TopicSentences),
            IntendedStance.Acknowledges => Pick(random, AcknowledgingSentences),
            IntendedStance.StateAcknowledges => Pick(random, StateAcknowledgingSentences),
            IntendedStance.Discusses => Pick(random, HedgedSentences),
            IntendedStance.Denies => Pick(random, DenyingSentences),
            _ => Pick(random, DeflectingSentences),
        };
        body.Append(sentence
                .Replace("{fact}", fact, StringComparison.Ordinal)
                .Replace("{Fact}", Capitalize(fact), StringComparison.Ordinal)
                .Replace("{place}", claim.Place, StringComparison.Ordinal)
                .Replace("{region}", claim.Region, StringComparison.Ordinal)
                .Replace("{n}", random.Next(2, 40).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
            .Append(' ');
        if (stance == IntendedStance.Omits && random.NextDouble() < 0.5)
        {
            body.Append(Pick(random, TopicSentences)
                .Replace("{place}", claim.Place, StringComparison.Ordinal)
                .Replace("{region}", claim.Region, StringComparison.Ordinal)
                .Replace("{n}", random.Next(2, 40).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)).Append(' ');
        }
    }

    private static string Filler(Random random, bool military)
    {
        var template = military ? Pick(random, MilitaryFiller) : Pick(random, NeutralFiller);
        return template
            .Replace("{town}", Capitalize(Word(FillerRole, random.Next(WordSpace / RoleCount)) + "a"), StringComparison.Ordinal)
            .Replace("{n}", random.Next(2, 900).ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{pct}", (random.Next(1, 99) / 10.0).ToString("0.0", CultureInfo.InvariantCulture), StringComparison.Ordinal)
            .Replace("{noun}", Pick(random, Nouns), StringComparison.Ordinal)
            .Replace("{verb}", Pick(random, Verbs), StringComparison.Ordinal);
    }

    private SyntheticClaim BuildClaim(int index)
    {
        var random = new Random(Mix(_seed, index, 0xc1a1));
        var adjective = Capitalize(Word(0, index)) + "ian";
        var unit = Capitalize(Word(1, index)) + "ar";
        var place = Capitalize(Word(2, index)) + "ovo";
        var region = Capitalize(Word(3, index)) + "ask";
        var noun = Pick(random, Nouns);
        var verb = Pick(random, Verbs);
        return new SyntheticClaim(
            Id: $"{ClaimIdPrefix}{index:D5}",
            Statement: $"{adjective} {unit} {noun} are {verb} in {place}",
            Topic: $"{place} {region} frontline",
            Keywords: [unit, adjective],
            TopicKeywords: [place, region],
            adjective, unit, noun, verb, place, region);
    }

    /// <summary>An invented word unique to (role, index): four syllables, a bijection of the pair scattered over the space.</summary>
    private static string Word(int role, int index)
    {
        var n = (int)((long)(index * RoleCount + role) * 7919 % WordSpace);
        var word = new StringBuilder(8);
        for (var i = 0; i < 4; i++)
        {
            word.Append(Syllables[n % Syllables.Length]);
            n /= Syllables.Length;
        }

        return word.ToString();
    }

    private static IReadOnlyList<Source> BuildSources() =>
    [
        NewSource("lt-wire-1", "Loadtest Wire One", ProtoSourceKind.Wire, "GB"),
        NewSource("lt-wire-2", "Loadtest Wire Two", ProtoSourceKind.Wire, "US"),
        NewSource("lt-independent-1", "Loadtest Independent One", ProtoSourceKind.Independent, "LV"),
        NewSource("lt-independent-2", "Loadtest Independent Two", ProtoSourceKind.Independent, "DE"),
        NewSource("lt-official-1", "Loadtest Defence Ministry", ProtoSourceKind.Official, "UA"),
        NewSource("lt-official-2", "Loadtest Intelligence Directorate", ProtoSourceKind.Official, "US"),
        NewSource("lt-analysis-1", "Loadtest Institute", ProtoSourceKind.Analysis, "US"),
        NewSource("lt-analysis-2", "Loadtest Research Centre", ProtoSourceKind.Analysis, "GB"),
        NewSource("lt-state-1", "Loadtest State Agency", ProtoSourceKind.StateMedia, "RU"),
        NewSource("lt-state-2", "Loadtest State Television", ProtoSourceKind.StateMedia, "RU"),
        NewSource("lt-state-3", "Loadtest State Daily", ProtoSourceKind.StateMedia, "RU"),
        NewSource("lt-state-4", "Loadtest State Radio", ProtoSourceKind.StateMedia, "RU"),
        NewSource("lt-state-5", "Loadtest State Broadcaster", ProtoSourceKind.StateMedia, "BY"),
        NewSource("lt-state-6", "Loadtest State Gazette", ProtoSourceKind.StateMedia, "KP"),
        NewSource("lt-state-7", "Loadtest State Network", ProtoSourceKind.StateMedia, "CN"),
        NewSource("lt-state-8", "Loadtest State Portal", ProtoSourceKind.StateMedia, "IR"),
    ];

    private static Source NewSource(string id, string name, ProtoSourceKind kind, string country) =>
        new() { Id = id, Name = name, Kind = kind, Country = country, Language = "en" };

    /// <summary>A stable seed per (run seed, index, purpose); HashCode.Combine is randomized per process.</summary>
    private static int Mix(int seed, int index, int purpose)
    {
        var x = ((ulong)(uint)seed << 32) ^ (uint)index ^ ((ulong)(uint)purpose << 16);
        x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9UL;
        x = (x ^ (x >> 27)) * 0x94d049bb133111ebUL;
        return (int)(x ^ (x >> 31));
    }

    private static T Pick<T>(Random random, IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static string Capitalize(string word) => char.ToUpperInvariant(word[0]) + word[1..];

    // Filler must stay free of every stance cue (see StanceCues): no "deny", "fake", "false", "reportedly", "no comment"...
    private static readonly string[] NeutralFiller =
    [
        "The regional council in {town} approved a budget of {n} million for road repairs and school heating.",
        "Grain exports through the port of {town} rose by {pct} percent compared with the previous quarter.",
        "Weather services expect heavy snowfall in the northern districts, with temperatures falling to minus {n} degrees overnight.",
        "The central bank kept its key rate unchanged at {pct} percent, citing steady consumer prices.",
        "A new railway link between {town} and the coast is scheduled to open next spring after {n} days of testing.",
        "Local football club {town} United won its home match three to one in front of {n} spectators.",
        "Officials in {town} opened a museum exhibition of folk textiles collected over {n} years.",
        "The energy ministry said gas storage facilities were filled to {pct} times the level of last winter.",
        "Farmers near {town} started the sowing campaign early because of the mild weather.",
        "A delegation of {n} entrepreneurs visited the industrial park in {town} to discuss investment.",
        "Hospitals across the province reported a seasonal rise in influenza cases, with {n} patients admitted this week.",
        "The city of {town} is replacing {n} buses with electric models financed by a development loan.",
        "Teachers in {town} received a pay rise of {pct} percent under a new regional agreement.",
        "The theatre festival in {town} will present {n} productions from eleven countries.",
        "Airport traffic in {town} grew by {pct} percent as two new routes opened this month.",
        "Construction of a bridge over the river at {town} is {n} days ahead of schedule, the contractor said.",
        "Retail sales climbed by {pct} percent in the last month, led by household appliances and clothing.",
        "Volunteers planted {n} trees along the riverbank in {town} on Saturday.",
        "The statistics office published census figures showing the population of {town} at {n} thousand.",
        "A software company in {town} announced plans to hire {n} engineers over the next year.",
    ];

    private static readonly string[] MilitaryFiller =
    [
        "Army {noun} held a routine exercise near {town}, involving {n} vehicles.",
        "The ministry said {noun} were {verb} at a range outside {town} as part of annual drills.",
        "Veterans gathered in {town} to remember {noun} who served in earlier decades.",
        "A parade of {noun} is planned in {town} for the national holiday.",
    ];

    private static readonly string[] Headlines =
    [
        "Budget talks continue in {town}", "Harvest outlook improves", "New rail link for {town}", "Markets close higher",
        "Festival season opens in {town}", "Winter storms expected", "Port traffic rises", "Hospitals prepare for flu season",
    ];

    private static readonly string[] TopicHeadlines =
    [
        "situation update", "latest from the region", "what we know today", "evening briefing", "overnight events",
    ];

    private static readonly string[] TopicSentences =
    [
        "Shelling was heard near {place} in the {region} district overnight, local authorities said.",
        "Residents of {place} were evacuated to shelters as fighting in {region} continued for a {n}th day.",
        "The governor of {region} said power had been restored to {n} homes in and around {place}.",
        "Heavy artillery exchanges were recorded on the approaches to {place} in {region}.",
        "Aid convoys reached {place} after roads in {region} were cleared of debris.",
    ];

    private static readonly string[] AcknowledgingSentences =
    [
        "{Fact}, officials confirmed on Tuesday, citing intercepted communications.",
        "Satellite images and field reports show that {fact}, analysts said.",
        "{Fact}, according to two defence officials and a regional governor.",
        "Investigators have established that {fact} since early this month.",
    ];

    private static readonly string[] StateAcknowledgingSentences =
    [
        "{Fact}, the ministry acknowledged in a statement on Friday.",
        "For the first time the agency's own correspondent confirmed that {fact}.",
    ];

    private static readonly string[] HedgedSentences =
    [
        "{Fact}, reportedly, though this could not be independently verified.",
        "Unverified footage suggests that {fact}.",
    ];

    private static readonly string[] DenyingSentences =
    [
        "Reports that {fact} are a crude fake spread by hostile media, the spokesman said.",
        "Claims that {fact} are baseless disinformation, the ministry insisted.",
        "The story that {fact} is a fabrication meant to discredit the operation.",
        "Officials dismissed the claim that {fact} as absurd.",
    ];

    private static readonly string[] DeflectingSentences =
    [
        "Asked whether {fact}, the spokesman declined to comment.",
        "We can neither confirm nor deny that {fact}, the press secretary told reporters.",
        "Asked if {fact}, the official referred questions to the defence ministry.",
        "On whether {fact}, the ministry said it had nothing to add.",
    ];
}
