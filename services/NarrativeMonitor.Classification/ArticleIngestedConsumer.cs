using MassTransit;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Classification;

/// <summary>
/// Classifies every ingested article against the active claims and publishes the related results. Idempotent by
/// nature: the same article and claims give the same results, so a redelivery only repeats the message.
/// </summary>
public sealed class ArticleIngestedConsumer(
    ActiveClaims activeClaims,
    IStanceClassifier classifier,
    TimeProvider time,
    ILogger<ArticleIngestedConsumer> logger) : IConsumer<ArticleIngested>
{
    /// <summary>Detection confidence from which the detected language, not the given one, picks the stemmers.</summary>
    public const double ConfidentLanguage = 0.6;

    public async Task Consume(ConsumeContext<ArticleIngested> context)
    {
        var article = context.Message;
        var claims = await activeClaims.GetAsync(context.CancellationToken);
        // A confident detection beats the language given (often only the source's default) for choosing stemmers.
        var language = article.DetectedLanguage is { } detected && article.LanguageConfidence >= ConfidentLanguage ? detected : article.Language;
        var stances = ClassificationTelemetry.Classify(classifier, new ArticleText(article.Title, article.Body, language),
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
            });
        }

        await context.Publish(new ArticleClassified
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
        }, context.CancellationToken);

        logger.LogInformation("Classified {ArticleId} from {SourceId} against {ClaimCount} claims: {ResultCount} related",
            article.ArticleId, article.SourceId, claims.Prepared.Claims.Count, results.Count);
    }
}

public sealed class ArticleIngestedConsumerDefinition : ConsumerDefinition<ArticleIngestedConsumer>
{
    public ArticleIngestedConsumerDefinition()
    {
        // Classification is CPU-bound: more at once than the cores only queues inside the process.
        ConcurrentMessageLimit = Math.Max(2, Environment.ProcessorCount * 2);
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ArticleIngestedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        endpointConfigurator.UseMessageRetry(retry =>
        {
            retry.Ignore<ArgumentException>();
            retry.Intervals(100, 500, 2_000, 5_000);
        });
    }
}
