using MassTransit;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Classification;

/// <summary>
/// Classifies every ingested article against the active claims and publishes the related results. Idempotent by
/// nature: the same article and claims give the same results, so a redelivery only repeats the message.
/// </summary>
public sealed class ArticleIngestedConsumer(ActiveClaims activeClaims, ArticleStanceClassifier stanceClassifier) : IConsumer<ArticleIngested>
{
    /// <summary>Detection confidence from which the detected language, not the given one, picks the stemmers.</summary>
    public const double ConfidentLanguage = ArticleStanceClassifier.ConfidentLanguage;

    public async Task Consume(ConsumeContext<ArticleIngested> context)
    {
        var claims = await activeClaims.GetAsync(context.CancellationToken);
        await context.Publish(stanceClassifier.Classify(context.Message, claims), context.CancellationToken);
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
        endpointConfigurator.UseConsumerRetry(consumerConfigurator, context);
    }
}
