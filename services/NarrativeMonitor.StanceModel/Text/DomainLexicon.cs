namespace NarrativeMonitor.StanceModel.Text;

/// <summary>Kinds of cue the domain stage counts on top of <see cref="Lexicon"/>'s (which FNC-1 features depend on and stay fixed).</summary>
[Flags]
internal enum DomainCue : ushort
{
    None = 0,

    /// <summary>Preparation, plans and expectations: a report that something is coming is not a report that it happened.</summary>
    Prospect = 1,

    /// <summary>Answering with an accusation of the other side or of "Western" media instead of yes or no.</summary>
    Counter = 2,

    /// <summary>Declining to answer: sovereign business, a question for someone else, nothing to add.</summary>
    Refusal = 4,

    /// <summary>Another explanation offered for the same event.</summary>
    Alternative = 8,

    /// <summary>Established fact: identified, found, shown, casualties, footage.</summary>
    Assertion = 16,

    /// <summary>The claim put in someone else's mouth: accusations, assertions, "Western media".</summary>
    Attribution = 32,

    /// <summary>Rejecting a report outright: a fake, slander, a fairy tale, never happened, not a single fact.</summary>
    Rejection = 64,
}

/// <summary>Domain cue words and phrases, matched on the same stemmed token hashes as <see cref="Lexicon"/>.</summary>
internal static class DomainLexicon
{
    public static readonly DomainCue[] Kinds =
        [DomainCue.Prospect, DomainCue.Counter, DomainCue.Refusal, DomainCue.Alternative, DomainCue.Assertion, DomainCue.Attribution, DomainCue.Rejection];

    private static readonly (DomainCue Cue, string[] Entries)[] Entries =
    [
        (DomainCue.Prospect,
        [
            "prepare", "preparing", "preparation", "preparations", "plan", "plans", "planned", "planning", "expect",
            "expected", "expects", "will", "would", "soon", "poised", "ready", "readying", "intend", "intends", "intended",
            "potential", "potentially", "imminent", "upcoming", "could be", "may be", "might be", "set to", "about to",
            "in the coming", "training", "being trained", "possible", "consider", "considering", "warn", "warned", "warns",
        ]),
        (DomainCue.Counter,
        [
            "what about", "western", "west", "nato", "hypocrisy", "hypocritical", "double standards", "russophobia",
            "russophobic", "hysteria", "propaganda", "provocation", "provocations", "provocative", "smear", "information war",
            "disinformation", "misinformation", "campaign against", "anti russian", "puppet", "masters", "meddling",
            "interference", "instead of", "should look at", "look in the mirror",
        ]),
        (DomainCue.Refusal,
        [
            "sovereign", "sovereignty", "internal affair", "internal affairs", "internal matter", "private matter",
            "bilateral", "business of", "question for", "questions to", "refer", "referred", "no information",
            "not aware", "no comment", "nothing to add", "declined", "declines", "refused", "refuses", "would not",
            "will not comment", "cannot comment", "not comment", "neither confirm", "nor deny", "ask the", "address",
            "not going to", "no need to", "not our", "up to", "prerogative", "it is not for", "avoided", "sidestepped",
        ]),
        (DomainCue.Alternative,
        [
            "caused by", "in fact", "in reality", "actually", "real cause", "really", "staged", "stage managed",
            "invented", "fabricated", "cover up", "instead", "blame", "blamed", "blames", "result of", "mistake",
            "routine", "civilian", "ordinary", "merely", "simply", "nothing more than", "was in fact", "turned out",
            "own", "itself", "weather", "accident", "accidental",
        ]),
        (DomainCue.Assertion,
        [
            "confirmed", "confirms", "confirm", "acknowledged", "acknowledges", "admitted", "admits", "established",
            "identified", "evidence", "proof", "showed", "shows", "shown", "found", "killed", "casualties", "wounded",
            "footage", "images", "imagery", "satellite", "photographs", "documents", "recovered", "debris", "fragments",
            "captured", "intercepted", "concluded", "determined", "verified", "are fighting", "have been", "has been",
            "took part", "taking part", "engaged", "deployed", "since",
        ]),
        (DomainCue.Attribution,
        [
            "claims", "claimed", "claim", "alleged", "allegedly", "allegation", "allegations", "so called", "accusation",
            "accusations", "accuse", "accused", "accuses", "assertion", "assertions", "insinuation", "insinuations",
            "western media", "foreign media", "media reports", "reports", "reportedly", "rumours", "rumors", "stories",
            "narrative", "version", "according to", "unconfirmed", "unverified", "speculation",
        ]),
        (DomainCue.Rejection,
        [
            "fake", "fakes", "lie", "lies", "lying", "liars", "slander", "slanderous", "smear", "groundless", "baseless",
            "unfounded", "fabrication", "fabrications", "fabricated", "invention", "invented", "fairy tale", "fairy tales",
            "fantasy", "fantasies", "fiction", "myth", "myths", "nonsense", "rubbish", "absurd", "absurdity", "ridiculous",
            "crude", "falsification", "falsified", "forgery", "forged", "hoax", "canard", "did not happen", "never happened",
            "no such", "not a single", "zero evidence", "no evidence", "without evidence", "no proof", "not true", "untrue",
            "false", "deny", "denies", "denied", "denial", "reject", "rejects", "rejected", "refute", "refutes", "refuted",
            "dismiss", "dismissed", "dismisses", "categorically", "completely false", "has nothing to do with", "no basis",
        ]),
    ];

    private static readonly PhraseTable Phrases = new(Entries.SelectMany(e => e.Entries.Select(phrase => ((ushort)e.Cue, phrase))));

    /// <summary>The domain cues starting at each token of <paramref name="hashes"/> (a phrase marks its first token).</summary>
    public static DomainCue[] Mark(ulong[] hashes)
    {
        var cues = new DomainCue[hashes.Length];
        for (var i = 0; i < hashes.Length; i++)
        {
            cues[i] = (DomainCue)Phrases.At(hashes, i);
        }

        return cues;
    }
}
