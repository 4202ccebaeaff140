using MassTransit;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// Records every article of a classified batch as <see cref="ArticleClassifiedConsumer"/> records one, evaluates each
/// (claim, outlet) the batch touched once, and publishes one <see cref="ArticleBatchEvaluated"/>. A redelivered (or
/// retried, partly done) batch re-evaluates articles already recorded, which changes nothing.
/// </summary>
public sealed class ArticleBatchClassifiedConsumer(ClassifiedArticleEvaluator articleEvaluator) : IConsumer<ArticleBatchClassified>
{
    public async Task Consume(ConsumeContext<ArticleBatchClassified> context)
    {
        var (evaluated, raised, resolved) = await articleEvaluator.EvaluateBatchAsync(context.Message.Articles, context, context.CancellationToken);
        await context.Publish(new ArticleBatchEvaluated { Articles = evaluated, AlertsRaised = raised, AlertsResolved = resolved }, context.CancellationToken);
    }
}

public sealed class ArticleBatchClassifiedConsumerDefinition : ConsumerDefinition<ArticleBatchClassifiedConsumer>
{
    public ArticleBatchClassifiedConsumerDefinition(IOptions<AlertOptions> options)
    {
        // Batches mix outlets, so no partitioner: concurrent evaluations of one outlet settle by optimistic concurrency.
        ConcurrentMessageLimit = options.Value.BatchConsumerConcurrency;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ArticleBatchClassifiedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            // Each message is up to a hundred articles: a small prefetch keeps the rest on the broker for other replicas.
            rabbit.PrefetchCount = (ConcurrentMessageLimit ?? 1) * 2;
        }

        endpointConfigurator.UseConsumerRetry(consumerConfigurator, context);
    }
}
