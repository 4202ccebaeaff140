using System.Security.Cryptography;
using System.Text;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// The alert rules as a pure function of a claim's history: the same confirmations and observations always give the
/// same episodes (ids included), whatever order they were recorded in.
/// </summary>
public static class DivergenceRules
{
    /// <summary>
    /// The time by which <paramref name="requiredSources"/> distinct sources had acknowledged the claim (each counted
    /// from its earliest acknowledging article), or null while fewer have.
    /// </summary>
    public static ClaimConfirmation? Confirm(IEnumerable<Confirmation> confirmations, int requiredSources)
    {
        var required = Math.Max(1, requiredSources);
        var earliestPerSource = confirmations
            .GroupBy(c => c.SourceId, StringComparer.Ordinal)
            .Select(g => g.OrderBy(c => c.PublishedAt).ThenBy(c => c.ArticleId, StringComparer.Ordinal).First())
            .OrderBy(c => c.PublishedAt).ThenBy(c => c.ArticleId, StringComparer.Ordinal)
            .Take(required)
            .ToList();
        return earliestPerSource.Count < required
            ? null
            : new ClaimConfirmation(earliestPerSource[^1].PublishedAt, earliestPerSource.Select(c => c.ArticleId).ToList())
            {
                Confirmations = earliestPerSource,
            };
    }

    /// <summary>The alert episodes of one state outlet on one claim, each with its explanation.</summary>
    public static IReadOnlyList<AlertEpisode> Derive(
        string claimId, string sourceId, IEnumerable<Confirmation> confirmations, ClaimRules rules, IEnumerable<Observation> observations,
        ClaimDescription? description = null)
    {
        var confirmation = Confirm(confirmations, rules.ConfirmationSources);
        if (confirmation is null)
        {
            return [];
        }

        var confirmedAt = confirmation.ConfirmedAt;
        var requiredOmissions = Math.Max(1, rules.OmissionArticles);
        var episodes = new List<AlertEpisode>();
        OpenEpisode? denial = null, deflection = null, omission = null;
        var omissions = new List<Observation>();

        var ordered = observations
            .DistinctBy(o => o.ArticleId, StringComparer.Ordinal)
            .OrderBy(o => o.PublishedAt).ThenBy(o => o.ArticleId, StringComparer.Ordinal);
        foreach (var article in ordered)
        {
            switch (article.Stance)
            {
                case Stance.Acknowledges:
                    Resolve(ref denial, article);
                    Resolve(ref deflection, article);
                    Resolve(ref omission, article);
                    omissions.Clear();
                    break;
                case Stance.Denies:
                    Join(ref denial, AlertKind.Denial, article);
                    break;
                case Stance.Deflects:
                    Join(ref deflection, AlertKind.Deflection, article);
                    break;
                case Stance.Omits when article.PublishedAt >= confirmedAt && omission is not null:
                    // Absorbed: no new episode, but the explanation counts the outlet's continued silence.
                    omission.Absorbed.Add(article);
                    break;
                case Stance.Omits when article.PublishedAt >= confirmedAt:
                    omissions.Add(article);
                    omissions.RemoveAll(o => article.PublishedAt - o.PublishedAt > rules.OmissionWindow);
                    if (omissions.Count >= requiredOmissions)
                    {
                        omission = new OpenEpisode(AlertKind.Omission, article, article.PublishedAt);
                        omission.Articles.AddRange(omissions);
                        omissions.Clear();
                    }

                    break;
            }
        }

        Close(denial);
        Close(deflection);
        Close(omission);
        return episodes
            .OrderBy(e => e.RaisedAt).ThenBy(e => e.Id, StringComparer.Ordinal)
            .ToList();

        void Join(ref OpenEpisode? open, AlertKind kind, Observation article)
        {
            open ??= new OpenEpisode(kind, article, article.PublishedAt > confirmedAt ? article.PublishedAt : confirmedAt);
            open.Articles.Add(article);
        }

        void Resolve(ref OpenEpisode? open, Observation acknowledgement)
        {
            // A denial or deflection the outlet took back before the claim was confirmed never became an alert.
            if (open is not null && acknowledgement.PublishedAt >= confirmedAt)
            {
                episodes.Add(open.ToEpisode(claimId, sourceId, confirmation, description, acknowledgement));
            }

            open = null;
        }

        void Close(OpenEpisode? open)
        {
            if (open is not null)
            {
                episodes.Add(open.ToEpisode(claimId, sourceId, confirmation, description, null));
            }
        }
    }

    public static AlertSeverity SeverityOf(AlertKind kind) => kind switch
    {
        AlertKind.Denial => AlertSeverity.High,
        AlertKind.Deflection => AlertSeverity.Medium,
        AlertKind.Omission => AlertSeverity.Medium,
        _ => AlertSeverity.Unspecified,
    };

    /// <summary>"al-" and the first 16 hex digits of SHA-256(claim|source|kind|opening article).</summary>
    public static string EpisodeId(string claimId, string sourceId, AlertKind kind, string openingArticleId)
    {
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes($"{claimId}|{sourceId}|{kind.ToString().ToLowerInvariant()}|{openingArticleId}"));
        return "al-" + Convert.ToHexStringLower(hash)[..16];
    }

    private sealed class OpenEpisode(AlertKind kind, Observation opening, DateTimeOffset raisedAt)
    {
        public List<Observation> Articles { get; } = [];

        /// <summary>Omissions while the episode was open: not evidence of the episode, but part of its explanation.</summary>
        public List<Observation> Absorbed { get; } = [];

        public AlertEpisode ToEpisode(string claimId, string sourceId, ClaimConfirmation confirmation, ClaimDescription? description, Observation? resolving) => new()
        {
            Id = EpisodeId(claimId, sourceId, kind, opening.ArticleId),
            ClaimId = claimId,
            SourceId = sourceId,
            Kind = kind,
            Severity = SeverityOf(kind),
            RaisedAt = raisedAt,
            ResolvedAt = resolving?.PublishedAt,
            ResolvingArticleId = resolving?.ArticleId,
            DivergingArticleIds = Articles.Select(a => a.ArticleId).ToList(),
            EvidenceSentences = Articles.Select(a => a.Evidence ?? "").ToList(),
            ConfirmingArticleIds = confirmation.ConfirmingArticleIds,
            ConfirmedAt = confirmation.ConfirmedAt,
            Explanation = AlertExplanations.Build(claimId, sourceId, kind, description, [.. Articles, .. Absorbed], confirmation.Confirmations, resolving),
        };
    }
}
