using MassTransit;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// Records each classified article in the ledger, re-evaluates the outlets it can affect and publishes the alert
/// changes and <see cref="ArticleEvaluated"/> (see <see cref="ClassifiedArticleEvaluator"/>). Idempotent: a
/// redelivered article changes nothing.
/// </summary>
public sealed class ArticleClassifiedConsumer(ClassifiedArticleEvaluator articleEvaluator) : IConsumer<ArticleClassified>
{
    public async Task Consume(ConsumeContext<ArticleClassified> context)
    {
        var evaluated = await articleEvaluator.EvaluateAsync(context.Message, context, context.CancellationToken);
        await context.Publish(evaluated, context.CancellationToken);
    }

    /// <inheritdoc cref="ClassifiedArticleEvaluator.ConfirmingSource"/>
    internal static string? ConfirmingSource(ArticleClassified article) => ClassifiedArticleEvaluator.ConfirmingSource(article);
}

public sealed class ArticleClassifiedConsumerDefinition : ConsumerDefinition<ArticleClassifiedConsumer>
{
    private readonly AlertOptions _options;

    public ArticleClassifiedConsumerDefinition(IOptions<AlertOptions> options)
    {
        _options = options.Value;
        ConcurrentMessageLimit = _options.ConsumerConcurrency;
    }

    protected override void ConfigureConsumer(
        IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ArticleClassifiedConsumer> consumerConfigurator, IRegistrationContext context)
    {
        endpointConfigurator.UseConsumerRetry(consumerConfigurator, context);
        // One outlet's articles one at a time: its ledger version is what concurrent evaluations would fight over.
        var partitioner = endpointConfigurator.CreatePartitioner(_options.Partitions);
        consumerConfigurator.Message<ArticleClassified>(message => message.UsePartitioner(partitioner, c => c.Message.SourceId));
    }
}
