using System.Collections.Concurrent;
using MassTransit;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.LoadTest;

public readonly record struct Evaluation(DateTimeOffset IngestedAt, DateTimeOffset ClassifiedAt, DateTimeOffset EvaluatedAt, int AlertsRaised, int AlertsResolved);

/// <summary>Every ArticleEvaluated of this run's articles, first delivery wins (the bus delivers at least once).</summary>
public sealed class EvaluationRecorder
{
    private readonly ConcurrentDictionary<string, Evaluation> _evaluations = new(StringComparer.Ordinal);
    private string _articleIdPrefix = "";
    private long _lastRecordedTicks = DateTimeOffset.UtcNow.UtcTicks;

    public int Count => _evaluations.Count;

    /// <summary>Wall-clock time the latest evaluation arrived here: the wait gives up when it stops moving.</summary>
    public DateTimeOffset LastRecorded => new(Interlocked.Read(ref _lastRecordedTicks), TimeSpan.Zero);

    /// <summary>Evaluations of other articles on a shared deployment are ignored.</summary>
    public void Follow(string articleIdPrefix) => _articleIdPrefix = articleIdPrefix;

    public void Record(ArticleEvaluated message)
    {
        if (!message.ArticleId.StartsWith(_articleIdPrefix, StringComparison.Ordinal))
        {
            return;
        }

        if (_evaluations.TryAdd(message.ArticleId, new Evaluation(message.IngestedAt, message.ClassifiedAt, message.EvaluatedAt, message.AlertsRaised, message.AlertsResolved)))
        {
            Interlocked.Exchange(ref _lastRecordedTicks, DateTimeOffset.UtcNow.UtcTicks);
        }
    }

    public bool TryGet(string articleId, out Evaluation evaluation) => _evaluations.TryGetValue(articleId, out evaluation);
}

/// <summary>Records single evaluations and every article of a batch evaluation (streamed submits are evaluated in batches).</summary>
public sealed class ArticleEvaluatedRecorder(EvaluationRecorder recorder) : IConsumer<ArticleEvaluated>, IConsumer<ArticleBatchEvaluated>
{
    public Task Consume(ConsumeContext<ArticleEvaluated> context)
    {
        recorder.Record(context.Message);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ArticleBatchEvaluated> context)
    {
        // A batch counts its alerts once for all its articles (ArticleBatchEvaluated): credit them to its first article.
        var batch = context.Message;
        for (var i = 0; i < batch.Articles.Count; i++)
        {
            recorder.Record(i == 0 ? batch.Articles[i] with { AlertsRaised = batch.AlertsRaised, AlertsResolved = batch.AlertsResolved } : batch.Articles[i]);
        }

        return Task.CompletedTask;
    }
}

public sealed class ArticleEvaluatedRecorderDefinition : ConsumerDefinition<ArticleEvaluatedRecorder>
{
    public ArticleEvaluatedRecorderDefinition()
    {
        // A queue of this run's own, so it sees every evaluation; the broker drops it once the run has gone.
        EndpointName = "loadtest-observer-" + Guid.NewGuid().ToString("N")[..12];
    }

    protected override void ConfigureConsumer(IReceiveEndpointConfigurator endpointConfigurator, IConsumerConfigurator<ArticleEvaluatedRecorder> consumerConfigurator, IRegistrationContext context)
    {
        if (endpointConfigurator is IRabbitMqReceiveEndpointConfigurator rabbit)
        {
            rabbit.QueueExpiration = TimeSpan.FromMinutes(10);
            rabbit.PrefetchCount = 1000;
        }

        endpointConfigurator.ConcurrentMessageLimit = 256;
    }
}
