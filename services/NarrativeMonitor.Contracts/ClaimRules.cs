namespace NarrativeMonitor.Contracts;

/// <summary>The per-claim parameters of the alert rules (N, M and W in the README).</summary>
public sealed record ClaimRules
{
    public const int DefaultConfirmationSources = 2;
    public const int DefaultOmissionArticles = 3;
    public static readonly TimeSpan DefaultOmissionWindow = TimeSpan.FromDays(14);

    public static ClaimRules Default { get; } = new();

    /// <summary>N: distinct non-state sources that must acknowledge a claim before it is confirmed.</summary>
    public int ConfirmationSources { get; init; } = DefaultConfirmationSources;

    /// <summary>M: on-topic articles silent on the claim that raise an omission alert.</summary>
    public int OmissionArticles { get; init; } = DefaultOmissionArticles;

    /// <summary>W: the window the M articles must fall within.</summary>
    public TimeSpan OmissionWindow { get; init; } = DefaultOmissionWindow;
}
