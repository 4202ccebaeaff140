using System.Globalization;
using System.Text;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// Builds an alert's explanation from its evidence: the facts (articles, counts, window) and a paragraph an analyst can
/// paste into a report, one wording per kind. Pure: the same evidence always gives the same words. Where older messages
/// did not carry a claim's statement and topic or a source's name, the words fall back to the ids.
/// </summary>
public static class AlertExplanations
{
    /// <summary>Longest quoted evidence sentence, in characters.</summary>
    public const int MaxQuote = 240;

    /// <summary>
    /// Most diverging articles an explanation lists (the earliest); the count and window still cover them all. An outlet
    /// silent for months would otherwise make every rewrite of its open omission, and every event, carry thousands.
    /// </summary>
    public const int MaxListedArticles = 50;

    public static AlertExplanationRecord Build(
        string claimId, string sourceId, AlertKind kind, ClaimDescription? description,
        IReadOnlyList<Observation> diverging, IReadOnlyList<Confirmation> confirming, Observation? resolving)
    {
        var outletName = diverging.Select(o => o.SourceName).Concat([resolving?.SourceName]).LastOrDefault(n => !string.IsNullOrWhiteSpace(n));
        var divergingRefs = diverging.OrderBy(o => o.PublishedAt).ThenBy(o => o.ArticleId, StringComparer.Ordinal)
            .Take(MaxListedArticles).Select(o => ToRef(sourceId, o)).ToList();
        var confirmingRefs = confirming.Select(ToRef).ToList();
        var windowStart = diverging.Count == 0 ? default : diverging.Min(o => o.PublishedAt);
        var windowEnd = diverging.Count == 0 ? default : diverging.Max(o => o.PublishedAt);
        var confirmers = confirming.Select(c => (Name: ShortName(c.SourceId, c.SourceName), c.PublishedAt)).ToList();
        var confirmedAt = confirming.Count == 0 ? windowEnd : confirming.Max(c => c.PublishedAt);
        return new AlertExplanationRecord
        {
            Summary = Summary(claimId, kind, description, ShortName(sourceId, outletName), diverging, confirmers, confirmedAt),
            ClaimStatement = description?.Statement,
            ClaimTopic = description?.Topic,
            OutletName = outletName,
            OnTopicArticleCount = diverging.Count,
            WindowStart = windowStart,
            WindowEnd = windowEnd,
            ConfirmingArticles = confirmingRefs,
            DivergingArticles = divergingRefs,
            ResolvingArticle = resolving is null ? null : ToRef(sourceId, resolving),
        };
    }

    /// <summary>
    /// The explanation of an alert stored before explanations existed, from what the episode holds (ids and sentences).
    /// </summary>
    public static AlertExplanationRecord Fallback(AlertEpisode episode)
    {
        var diverging = episode.DivergingArticleIds
            .Select((id, i) => new Observation(id, episode.RaisedAt, StanceOf(episode.Kind), 0, episode.EvidenceSentences.ElementAtOrDefault(i)))
            .ToList();
        var confirming = episode.ConfirmingArticleIds.Select(id => new Confirmation("", id, episode.ConfirmedAt)).ToList();
        var summary = $"{episode.SourceId} {Verb(episode.Kind)} claim {episode.ClaimId} in {Count(diverging.Count)} " +
                      $"(alert raised {Date(episode.RaisedAt)}); the claim was confirmed on {Date(episode.ConfirmedAt)} by " +
                      $"{List(episode.ConfirmingArticleIds)}.";
        return new AlertExplanationRecord
        {
            Summary = summary,
            OnTopicArticleCount = diverging.Count,
            WindowStart = episode.RaisedAt,
            WindowEnd = episode.RaisedAt,
            ConfirmingArticles = confirming.Select(ToRef).ToList(),
            DivergingArticles = diverging.Select(o => ToRef(episode.SourceId, o)).ToList(),
        };
    }

    /// <summary>What the outlet's acknowledging article was, for an automatic resolution's reason and audit note.</summary>
    public static string ResolutionReason(AlertEpisode episode)
    {
        var resolving = episode.Explanation?.ResolvingArticle;
        var outlet = ShortName(episode.SourceId, episode.Explanation?.OutletName);
        if (resolving is null)
        {
            return $"{outlet} acknowledged the claim in article {episode.ResolvingArticleId}" +
                   (episode.ResolvedAt is { } at ? $", published {Date(at)}." : ".");
        }

        var title = string.IsNullOrWhiteSpace(resolving.Title) ? resolving.ArticleId : $"\"{resolving.Title}\" ({resolving.ArticleId})";
        var link = string.IsNullOrWhiteSpace(resolving.Url) ? "" : $", {resolving.Url}";
        return $"{outlet} acknowledged the claim in {title}, published {Date(resolving.PublishedAt)}{link}.";
    }

    /// <summary>What the rules saw when an alert was raised, for the audit trail.</summary>
    public static string RaisedNote(AlertEpisode episode) =>
        $"Raised on {Date(episode.RaisedAt)} from {Count(episode.DivergingArticleIds.Count)} of {ShortName(episode.SourceId, episode.Explanation?.OutletName)} " +
        $"({string.Join(", ", episode.DivergingArticleIds)}); the claim was confirmed on {Date(episode.ConfirmedAt)}.";

    public const string WithdrawnNote = "Withdrawn: evidence that arrived late (an earlier acknowledgement, or changed rules) means the alert should never have been raised.";

    /// <summary>
    /// A source's name as a report would write it: the abbreviation in closing brackets when there is one
    /// ("Institute for the Study of War (ISW)" is "ISW"), else the name, else the id.
    /// </summary>
    public static string ShortName(string sourceId, string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return sourceId;
        }

        name = name.Trim();
        var open = name.LastIndexOf('(');
        if (name.EndsWith(')') && open > 0)
        {
            var abbreviation = name[(open + 1)..^1].Trim();
            if (abbreviation.Length is > 0 and <= 16)
            {
                return abbreviation;
            }
        }

        return name;
    }

    private static string Summary(
        string claimId, AlertKind kind, ClaimDescription? description, string outlet, IReadOnlyList<Observation> diverging,
        IReadOnlyList<(string Name, DateTimeOffset PublishedAt)> confirmers, DateTimeOffset confirmedAt)
    {
        var statement = description?.Statement.Trim().TrimEnd('.', ' ');
        var claim = string.IsNullOrEmpty(statement) ? $"claim {claimId}" : $"that {statement}";
        var sources = confirmers.Count == 0 ? "other sources" : List(confirmers.Select(c => $"{c.Name} ({Date(c.PublishedAt)})"));
        var first = diverging.Count == 0 ? confirmedAt : diverging.Min(o => o.PublishedAt);
        var last = diverging.Count == 0 ? confirmedAt : diverging.Max(o => o.PublishedAt);
        var text = new StringBuilder();
        if (kind == AlertKind.Omission)
        {
            var topic = description?.Topic.Trim();
            text.Append(CultureInfo.InvariantCulture,
                $"{outlet} published {Count(diverging.Count)} {(string.IsNullOrEmpty(topic) ? "on the claim's topic" : "on " + topic)} " +
                $"{Range(first, last)} without mentioning {claim}, after {sources} confirmed it.");
            return text.ToString();
        }

        text.Append(CultureInfo.InvariantCulture, $"{outlet} {Verb(kind)} {claim} in {(diverging.Count == 1 ? "an article" : Count(diverging.Count))} published {Range(first, last)}");
        if (diverging.Select(o => o.Evidence).FirstOrDefault(e => !string.IsNullOrWhiteSpace(e)) is { } evidence)
        {
            text.Append(CultureInfo.InvariantCulture, $" (\"{Quote(evidence)}\")");
        }

        var when = first >= confirmedAt ? "after" : last < confirmedAt ? "before" : "while";
        text.Append(CultureInfo.InvariantCulture, $", {when} {sources} confirmed it.");
        return text.ToString();
    }

    private static string Verb(AlertKind kind) => kind switch
    {
        AlertKind.Denial => "denied",
        AlertKind.Deflection => "declined to confirm or deny",
        _ => "kept silent on",
    };

    private static Stance StanceOf(AlertKind kind) => kind switch
    {
        AlertKind.Denial => Stance.Denies,
        AlertKind.Deflection => Stance.Deflects,
        _ => Stance.Omits,
    };

    private static ArticleRef ToRef(string sourceId, Observation o) =>
        new(o.ArticleId, sourceId, o.Url, o.Title, o.PublishedAt, o.Stance, o.Stance == Stance.Omits ? null : o.Evidence);

    private static ArticleRef ToRef(Confirmation c) =>
        new(c.ArticleId, c.ArticleSourceId ?? c.SourceId, c.Url, c.Title, c.PublishedAt, Stance.Acknowledges, c.Evidence);

    private static string Count(int articles) => articles == 1 ? "1 article" : $"{articles.ToString(CultureInfo.InvariantCulture)} articles";

    private static string Quote(string sentence)
    {
        var trimmed = sentence.Trim().Replace('"', '\'');
        return trimmed.Length <= MaxQuote ? trimmed : trimmed[..(MaxQuote - 1)].TrimEnd() + "…";
    }

    /// <summary>"12 Nov 2024" (UTC).</summary>
    public static string Date(DateTimeOffset at) => at.UtcDateTime.ToString("d MMM yyyy", CultureInfo.InvariantCulture);

    /// <summary>"on 12 Nov 2024", "between 12 and 19 Nov 2024", "between 28 Oct and 3 Nov 2024" or with both years.</summary>
    public static string Range(DateTimeOffset start, DateTimeOffset end)
    {
        var (a, b) = (start.UtcDateTime.Date, end.UtcDateTime.Date);
        if (a == b)
        {
            return "on " + Date(start);
        }

        var from = a.Year != b.Year ? a.ToString("d MMM yyyy", CultureInfo.InvariantCulture)
            : a.Month != b.Month ? a.ToString("d MMM", CultureInfo.InvariantCulture)
            : a.Day.ToString(CultureInfo.InvariantCulture);
        return $"between {from} and {Date(end)}";
    }

    /// <summary>"A", "A and B", "A, B and C".</summary>
    private static string List(IEnumerable<string> items)
    {
        var list = items.ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            _ => string.Join(", ", list.Take(list.Count - 1)) + " and " + list[^1],
        };
    }
}
