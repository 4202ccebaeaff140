using System.Globalization;
using NarrativeMonitor.Cli.Client;

namespace NarrativeMonitor.Cli;

/// <summary>
/// Claim rules given on the command line: N=3 (confirmation_sources), M=2 (omission_articles), W=7d (omission_window),
/// each optional; what is not given keeps the claim's own value.
/// </summary>
public sealed record RuleOverrides(int? ConfirmationSources, int? OmissionArticles, TimeSpan? OmissionWindow)
{
    public const string Help = "A claim rule, repeatable: N=<sources to confirm>, M=<omitting articles>, W=<window, e.g. 7d> " +
        "(also confirmation_sources=, omission_articles=, omission_window=)";

    public static RuleOverrides None { get; } = new(null, null, null);

    public bool IsEmpty => this == None;

    public static RuleOverrides Parse(IEnumerable<string> values, string option = "--rule")
    {
        var rules = None;
        foreach (var value in values)
        {
            var parts = value.Split('=', 2, StringSplitOptions.TrimEntries);
            if (parts.Length != 2)
            {
                throw new UsageException($"{option}: '{value}' is not NAME=VALUE, e.g. N=3, M=2 or W=7d");
            }

            rules = parts[0].ToLowerInvariant() switch
            {
                "n" or "confirmation_sources" => rules with { ConfirmationSources = Count(parts[1], value, option) },
                "m" or "omission_articles" => rules with { OmissionArticles = Count(parts[1], value, option) },
                "w" or "omission_window" => rules with { OmissionWindow = Output.ParseDuration(parts[1], option) },
                _ => throw new UsageException($"{option}: '{parts[0]}' is not a rule: N (confirmation_sources), M (omission_articles) or W (omission_window)"),
            };
        }

        return rules;
    }

    public CorpusClaimRules Apply(CorpusClaimRules? rules) => new(
        ConfirmationSources ?? rules?.ConfirmationSources ?? 0,
        OmissionArticles ?? rules?.OmissionArticles ?? 0,
        OmissionWindow ?? rules?.OmissionWindow);

    public Protos.Classification.V1.ClaimRules Apply(Protos.Classification.V1.ClaimRules? rules)
    {
        var result = rules?.Clone() ?? new Protos.Classification.V1.ClaimRules();
        if (ConfirmationSources is { } n)
        {
            result.ConfirmationSources = n;
        }

        if (OmissionArticles is { } m)
        {
            result.OmissionArticles = m;
        }

        if (OmissionWindow is { } w)
        {
            result.OmissionWindow = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(w);
        }

        return result;
    }

    public override string ToString() => string.Join(" ", new[]
    {
        ConfirmationSources is { } n ? $"N={n}" : null,
        OmissionArticles is { } m ? $"M={m}" : null,
        OmissionWindow is { } w ? $"W={Window(w)}" : null,
    }.OfType<string>());

    public static string Window(TimeSpan window) =>
        window.Ticks % TimeSpan.TicksPerDay == 0 ? $"{window.TotalDays.ToString(CultureInfo.InvariantCulture)}d" : window.ToString("c", CultureInfo.InvariantCulture);

    private static int Count(string text, string value, string option) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) && count > 0
            ? count
            : throw new UsageException($"{option}: '{value}': the value must be a positive whole number");
}
