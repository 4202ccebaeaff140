using MassTransit;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Classification;

/// <summary>
/// Classifies every article of an ingested batch exactly as <see cref="ArticleIngestedConsumer"/> does one, and
/// publishes the results as one <see cref="ArticleBatchClassified"/> in the batch's order. Idempotent like it: a
/// redelivered batch only repeats the message.
/// </summary>
public sealed class ArticleBatchIngestedConsumer(ActiveClaims activeClaims, ArticleStanceClassifier stanceClassifier) : IConsumer<ArticleBatchIngested>
{
    public async Task Consume(ConsumeContext<ArticleBatchIngested> context)
    {
        var claims = await activeClaims.GetAsync(context.CancellationToken);
        var articles = context.Message.Articles;
        var classified = new ArticleClassified[articles.Count];
        for (var i = 0; i < articles.Count; i++)
        {
            context.CancellationToken.ThrowIfCancellationRequested();
            classified[i] = stanceClassifier.Classify(articles[i], claims);
        }

        await context.Publish(new ArticleBatchClassified { Articles = classified }, context.CancellationToken);
    }
}

public sealed class ArticleBatchIngestedConsumerDefinition : ConsumerDefinition<ArticleBatchIngestedConsumer>
{
    public ArticleBatchIngestedConsumerDefinition()
    {
        // One batch keeps a core busy for a while; more batches at once than cores only queue inside the process.
        ConcurrentMessageLimit = Math.Max(2, Environment.ProcessorCount);
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator,
        IConsumerConfigurator<ArticleBatchIngestedConsumer> consumerConfigurator,
        IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            // Each message is up to a hundred articles: a small prefetch keeps the rest on the broker for other replicas.
            rabbit.PrefetchCount = (ConcurrentMessageLimit ?? 2) * 2;
        }

        endpointConfigurator.UseConsumerRetry(consumerConfigurator, context);
    }
}
