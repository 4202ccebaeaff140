using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Classification;

/// <summary>
/// The per-article work of classification, shared by the single-article and the batch consumer: the article's stance
/// toward every active claim, keeping the related results with the claim's rules.
/// </summary>
public sealed partial class ArticleStanceClassifier(IStanceClassifier classifier, TimeProvider time, ILogger<ArticleStanceClassifier> logger)
{
    /// <summary>Detection confidence from which the detected language, not the given one, picks the stemmers.</summary>
    public const double ConfidentLanguage = 0.6;

    public ArticleClassified Classify(ArticleIngested article, ActiveClaimSet claims)
    {
        // A confident detection beats the language given (often only the source's default) for choosing stemmers.
        var language = article.DetectedLanguage is { } detected && article.LanguageConfidence >= ConfidentLanguage ? detected : article.Language;
        var stances = ClassificationTelemetry.Classify(classifier, new ArticleText(article.Title, article.Body, language, article.SourceKind),
            claims.Prepared, "article", article.ArticleId);

        var results = new List<ClaimStanceResult>(stances.Count);
        foreach (var stance in stances)
        {
            if (stance.Stance == Stance.Unrelated || !claims.Claims.TryGetValue(stance.ClaimId, out var claim))
            {
                continue;
            }

            results.Add(new ClaimStanceResult
            {
                ClaimId = stance.ClaimId,
                Stance = stance.Stance,
                Confidence = stance.Confidence,
                Evidence = stance.Evidence,
                Rules = claim.Rules,
                ClaimStatement = claim.Statement,
                ClaimTopic = claim.Topic,
            });
        }

        LogClassified(article.ArticleId, article.SourceId, claims.Prepared.Claims.Count, results.Count);
        return new ArticleClassified
        {
            ArticleId = article.ArticleId,
            SourceId = article.SourceId,
            SourceKind = article.SourceKind,
            Url = article.Url,
            Title = article.Title,
            PublishedAt = article.PublishedAt,
            IngestedAt = article.IngestedAt,
            ClassifiedAt = time.GetUtcNow(),
            Results = results,
            ClaimsEvaluated = claims.Prepared.Claims.Count,
            NearDuplicateOf = article.NearDuplicateOf,
            NearDuplicateOfSourceId = article.NearDuplicateOfSourceId,
            NearDuplicateOfSourceKind = article.NearDuplicateOfSourceKind,
            SourceName = article.SourceName,
        };
    }

    [LoggerMessage(LogLevel.Debug, "Classified {ArticleId} from {SourceId} against {ClaimCount} claims: {ResultCount} related")]
    private partial void LogClassified(string articleId, string sourceId, int claimCount, int resultCount);
}
