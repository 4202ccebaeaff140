using System.ComponentModel.DataAnnotations;
using Grpc.Core;
using Microsoft.Extensions.Options;
using NarrativeMonitor.ServiceDefaults;

namespace NarrativeMonitor.Ingest;

/// <summary>Configuration section "Ingest:Backpressure": when ingest stops accepting articles.</summary>
public sealed class BackpressureOptions
{
    public const string SectionName = "Ingest:Backpressure";

    /// <summary>Off: ingest accepts whatever the broker takes.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>
    /// The consumer queues ingest publishes into (names without Messaging:EntityPrefix). Null: classification's
    /// "article-ingested" and "article-batch-ingested".
    /// </summary>
    public string[]? Queues { get; set; }

    /// <summary>Ready messages in any watched queue from which ingest answers RESOURCE_EXHAUSTED (RabbitMQ only).</summary>
    [Range(1, 100_000_000)]
    public int MaxQueueDepth { get; set; } = 10_000;

    /// <summary>Articles this replica holds at once (validated or being published, not yet answered), whatever the transport.</summary>
    [Range(1, 10_000_000)]
    public int MaxInFlightArticles { get; set; } = 10_000;

    /// <summary>How often the watched queues' depths are read (one passive queue declare each).</summary>
    [Range(typeof(TimeSpan), "00:00:00.050", "00:10:00")]
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The retry hint given with RESOURCE_EXHAUSTED (message text and the grpc-retry-pushback-ms trailer).</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan RetryAfter { get; set; } = TimeSpan.FromSeconds(5);

    public IReadOnlyList<string> EffectiveQueues => Queues ?? ["article-ingested", "article-batch-ingested"];
}

/// <summary>
/// Decides whether ingest takes one more article: not while a watched queue is deeper than
/// <see cref="BackpressureOptions.MaxQueueDepth"/> (classification has fallen behind), nor beyond
/// <see cref="BackpressureOptions.MaxInFlightArticles"/> articles in this process. A refused article was never claimed,
/// so the client's retry is accepted once the backlog drains.
/// </summary>
public sealed class IngestAdmission(IOptions<BackpressureOptions> options)
{
    private readonly BackpressureOptions _options = options.Value;
    private int _inFlight;
    private volatile QueueBacklog? _backlog;

    /// <summary>Articles admitted and not yet released.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    /// <summary>The watched queue found over its bound at the last reading, or null.</summary>
    public QueueBacklog? Backlog => _backlog;

    internal void SetBacklog(QueueBacklog? backlog) => _backlog = backlog;

    /// <summary>The refusal for a request that has not taken anything yet (a whole stream), or null.</summary>
    public IngestError? Overloaded() =>
        !_options.Enabled ? null
        : _backlog is { } backlog ? Refusal($"classification is behind: queue {backlog.Queue} holds {backlog.Depth} messages (bound {_options.MaxQueueDepth})")
        : InFlight >= _options.MaxInFlightArticles ? Refusal($"ingest holds {InFlight} articles in flight (bound {_options.MaxInFlightArticles})")
        : null;

    /// <summary>Takes a slot for one article, or answers why not. Every null answer must be followed by one <see cref="Release"/>.</summary>
    public IngestError? TryAdmit()
    {
        if (!_options.Enabled)
        {
            Interlocked.Increment(ref _inFlight);
            return null;
        }

        if (_backlog is { } backlog)
        {
            return Refusal($"classification is behind: queue {backlog.Queue} holds {backlog.Depth} messages (bound {_options.MaxQueueDepth})");
        }

        if (Interlocked.Increment(ref _inFlight) > _options.MaxInFlightArticles)
        {
            Interlocked.Decrement(ref _inFlight);
            return Refusal($"ingest holds {_options.MaxInFlightArticles} articles in flight (its bound)");
        }

        return null;
    }

    public void Release() => Interlocked.Decrement(ref _inFlight);

    private IngestError Refusal(string why) =>
        new(StatusCode.ResourceExhausted, "", $"{why}; nothing was taken, retry after {_options.RetryAfter.TotalSeconds:0.#} s", _options.RetryAfter);
}

public sealed record QueueBacklog(string Queue, long Depth);

/// <summary>
/// Reads the depth of the watched queues every <see cref="BackpressureOptions.PollInterval"/>, on the RabbitMQ transport
/// (a host without AddMessaging, as some tests build, has no broker connection and watches nothing).
/// </summary>
public sealed partial class QueueDepthMonitor(
    IngestAdmission admission,
    IServiceProvider services,
    IOptions<BackpressureOptions> options,
    IOptions<MessagingOptions> messaging,
    ILogger<QueueDepthMonitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var settings = options.Value;
        var broker = services.GetService<BrokerConnection>();
        if (!settings.Enabled || broker is not { IsAvailable: true })
        {
            return;
        }

        var prefix = messaging.Value.EntityPrefix is { Length: > 0 } p ? p + "-" : "";
        var queues = settings.EffectiveQueues.Select(q => prefix + q).ToArray();
        using var timer = new PeriodicTimer(settings.PollInterval);
        do
        {
            try
            {
                QueueBacklog? over = null;
                foreach (var queue in queues)
                {
                    // A queue not declared yet holds nothing.
                    var depth = await broker.MessageCountAsync(queue, stoppingToken) ?? 0;
                    if (depth >= settings.MaxQueueDepth && (over is null || depth > over.Depth))
                    {
                        over = new QueueBacklog(queue, depth);
                    }
                }

                if (over is not null && admission.Backlog is null)
                {
                    LogEngaged(over.Queue, over.Depth, settings.MaxQueueDepth);
                }
                else if (over is null && admission.Backlog is not null)
                {
                    LogReleased(settings.MaxQueueDepth);
                }

                admission.SetBacklog(over);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The broker is unreachable: publishing fails too and answers Unavailable, so the last reading stands.
                LogReadFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(LogLevel.Warning, "Backpressure on: queue {Queue} holds {Depth} messages (bound {MaxQueueDepth}); ingest answers RESOURCE_EXHAUSTED")]
    private partial void LogEngaged(string queue, long depth, int maxQueueDepth);

    [LoggerMessage(LogLevel.Information, "Backpressure off: every watched queue is below {MaxQueueDepth} messages; ingest accepts again")]
    private partial void LogReleased(int maxQueueDepth);

    [LoggerMessage(LogLevel.Warning, "Reading the depth of the watched queues failed")]
    private partial void LogReadFailed(Exception exception);
}
