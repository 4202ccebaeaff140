using NarrativeMonitor.Classifier.Text;

namespace NarrativeMonitor.Classifier;

/// <summary>
/// Sends articles in one language to a classifier made for it (a model trained on English text, say) and the rest to
/// another. An article without a language is routed by <see cref="LanguageDetector"/>.
/// </summary>
public sealed class LanguageRoutingClassifier(string language, IStanceClassifier forLanguage, IStanceClassifier otherwise) : IStanceClassifier
{
    /// <summary>Below this detection confidence an article goes to <c>forLanguage</c>, the classifier made for the common case.</summary>
    public const double MinimumConfidence = 0.6;

    public IPreparedClaims Prepare(IReadOnlyList<ClaimDefinition> claims) =>
        new Prepared(claims, forLanguage.Prepare(claims), otherwise.Prepare(claims));

    public IReadOnlyList<StanceResult> Classify(ArticleText article, IPreparedClaims claims)
    {
        if (claims is not Prepared prepared)
        {
            throw new ArgumentException("claims: must come from this classifier's Prepare", nameof(claims));
        }

        var articleLanguage = article.Language;
        if (string.IsNullOrEmpty(articleLanguage))
        {
            var detected = LanguageDetector.Detect(article.Title, article.Body);
            articleLanguage = detected is { Confidence: >= MinimumConfidence } ? detected.Value.Language : language;
        }

        return string.Equals(articleLanguage, language, StringComparison.OrdinalIgnoreCase)
            ? forLanguage.Classify(article, prepared.ForLanguage)
            : otherwise.Classify(article, prepared.Otherwise);
    }

    private sealed record Prepared(IReadOnlyList<ClaimDefinition> Claims, IPreparedClaims ForLanguage, IPreparedClaims Otherwise) : IPreparedClaims;
}
