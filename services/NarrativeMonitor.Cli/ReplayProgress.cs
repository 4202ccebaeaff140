using System.Collections.Concurrent;
using MassTransit;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Cli;

/// <summary>Tells the replay when the alert service has evaluated an article, so articles go through in published order.</summary>
public sealed class ReplayProgress
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _evaluations = new(StringComparer.Ordinal);

    public void Evaluated(string articleId) => Completion(articleId).TrySetResult();

    public async Task WaitForEvaluationAsync(string articleId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await Completion(articleId).Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"article {articleId} was accepted but not evaluated within {timeout.TotalSeconds:F0} s: is the pipeline running?");
        }
    }

    private TaskCompletionSource Completion(string articleId) =>
        _evaluations.GetOrAdd(articleId, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
}

public sealed class ArticleEvaluatedObserver(ReplayProgress progress) : IConsumer<ArticleEvaluated>, IConsumer<ArticleBatchEvaluated>
{
    public Task Consume(ConsumeContext<ArticleEvaluated> context)
    {
        progress.Evaluated(context.Message.ArticleId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ArticleBatchEvaluated> context)
    {
        foreach (var article in context.Message.Articles)
        {
            progress.Evaluated(article.ArticleId);
        }

        return Task.CompletedTask;
    }
}

public sealed class ArticleEvaluatedObserverDefinition : ConsumerDefinition<ArticleEvaluatedObserver>
{
    public ArticleEvaluatedObserverDefinition()
    {
        // A queue of this process's own: every replay sees every evaluation, and the broker drops the queue when idle.
        EndpointName = "replay-observer-" + Guid.NewGuid().ToString("N")[..12];
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ArticleEvaluatedObserver> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.QueueExpiration = TimeSpan.FromMinutes(10);
        }
    }
}

public static class ReplayBusExtensions
{
    public static IBusRegistrationConfigurator AddReplayObserver(this IBusRegistrationConfigurator bus)
    {
        bus.AddConsumer<ArticleEvaluatedObserver, ArticleEvaluatedObserverDefinition>();
        return bus;
    }
}
