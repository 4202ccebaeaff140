namespace NarrativeMonitor.Classifier;

/// <summary>
/// The phrases <see cref="RuleBasedStanceClassifier"/> reads stance from, in English and Russian. Each cue is matched
/// on tokens: every word but the last must match exactly, the last one as a prefix ("fabricat" matches "fabricated",
/// "фейк" matches "фейковые"). Add phrases here, not in the classifier.
/// </summary>
public static class StanceCues
{
    /// <summary>Explicitly declining to confirm or deny: the official deflection of the domain semantics.</summary>
    public static IReadOnlyList<string> Deflection { get; } =
    [
        "declined to comment", "declined to confirm", "refused to comment", "refused to confirm", "no comment",
        "neither confirm nor deny", "neither confirmed nor denied", "neither confirms nor denies", "nothing to say",
        "refer questions to", "referred questions to", "not aware", "would not comment", "wouldn t comment",
        "did not comment", "would not confirm", "it is not for us", "we have nothing to add", "nothing to add",
        "ask the defence ministry", "ask the defense ministry", "ask the ministry of defence", "ask the ministry of defense",
        "question for the defence ministry", "question for the defense ministry", "question for the military",
        "без комментариев", "не можем ни подтвердить", "ни подтвердить ни опровергнуть", "отказался комментировать",
        "отказалась комментировать", "отказались комментировать", "отказался от комментариев",
        "отказались от комментариев", "воздержался от комментариев", "воздержались от комментариев", "нечего сказать",
        "нечего добавить", "вопрос не к нам", "вопрос к минобороны", "вопросы к минобороны", "это вопрос к министерству",
        "обратитесь в минобороны", "обращайтесь в минобороны", "адресуйте", "не располагаем информацией",
        "ничего не известно",
    ];

    /// <summary>Denying or disputing, including dismissive framing ("fake", "so-called").</summary>
    public static IReadOnlyList<string> Denial { get; } =
    [
        "fake", "fabricat", "disinformation", "misinformation", "provocation", "deny", "denied", "denies", "no evidence",
        "baseless", "groundless", "unfounded", "lies", "lying", "hoax", "so called", "nonsense", "absurd", "not true",
        "untrue", "false", "myth", "rejected the claim", "rejected the report", "rejected claims", "rejected reports",
        "dismissed the claim", "dismissed the report", "dismissed claims", "dismissed reports",
        "фейк", "ложь", "лжи", "лжив", "опроверг", "провокац", "дезинформац", "вброс", "выдумк", "вымысел", "домысл",
        "не соответствует действительности", "так называем", "абсурд", "чушь", "бред", "голословн", "беспочвенн",
        "сфабрикова", "неправда",
    ];

    /// <summary>Reporting the claim while attributing it and keeping a distance from it.</summary>
    public static IReadOnlyList<string> Hedging { get; } =
    [
        "reportedly", "allegedly", "alleged", "purportedly", "purported", "unconfirmed", "unverified",
        "could not be independently verified", "cannot be independently verified", "could not independently verify",
        "has not been independently verified", "not independently verified", "cannot independently verify",
        "could not independently confirm", "not been able to independently", "unable to verify", "unable to independently",
        "could not verify", "could not yet confirm", "cannot yet confirm", "could not confirm", "has not yet observed",
        "claims by", "according to unverified",
        "якобы", "по неподтвержденным данным", "неподтвержденн", "по непроверенным данным", "непроверенн",
        "предположительно", "как утверждают", "по утверждению",
    ];

    /// <summary>Words that, shortly before a denial cue, cancel it ("did not deny", "not fake").</summary>
    public static IReadOnlyList<string> Negators { get; } = ["not", "never", "t", "hardly", "не", "нет", "никогда"];

    /// <summary>How many tokens before a denial cue a negator cancels it.</summary>
    public const int NegationWindow = 2;
}
