using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>
/// Polls the due feeds. Every <see cref="FeedOptions.SchedulerInterval"/> it asks the store which active feeds are due
/// and starts a poll for each (at most <see cref="FeedOptions.MaxConcurrentPolls"/> in flight). A poll first takes the
/// feed's lease and then checks again that the feed is still due and active, so of several replicas exactly one polls
/// a feed per due time: the others either find the lease taken or, once it is released, the feed rescheduled.
/// </summary>
public sealed partial class FeedPollingWorker(
    IFeedStore store,
    IFeedLeases leases,
    FeedPoller poller,
    TimeProvider timeProvider,
    IOptions<FeedOptions> options,
    ILogger<FeedPollingWorker> logger) : BackgroundService
{
    private readonly FeedOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, Task<bool>> _inFlight = new(StringComparer.Ordinal);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            LogDisabled();
            return;
        }

        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await StartDueAsync(stoppingToken);
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    LogSchedulingFailed(ex);
                }

                await Task.Delay(_options.SchedulerInterval, timeProvider, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Polls in flight observe the same token; wait for them to give their leases back.
            await Task.WhenAll(_inFlight.Values.Select(t => t.ContinueWith(_ => { }, TaskScheduler.Default)));
        }
    }

    /// <summary>
    /// Starts polls of the feeds due now and waits for them; answers how many feeds this replica actually polled
    /// (a feed whose lease another replica held, or that was no longer due, is not counted).
    /// </summary>
    public async Task<int> RunDueAsync(CancellationToken cancellationToken = default)
    {
        var started = await StartDueAsync(cancellationToken);
        var polled = await Task.WhenAll(started);
        return polled.Count(p => p);
    }

    private async Task<IReadOnlyList<Task<bool>>> StartDueAsync(CancellationToken cancellationToken)
    {
        var free = _options.MaxConcurrentPolls - _inFlight.Count;
        if (free <= 0)
        {
            return [];
        }

        // Ask for more than the free slots: some of the due feeds may be in flight here or leased elsewhere.
        var due = await store.DueAsync(timeProvider.GetUtcNow(), free + _inFlight.Count + _options.MaxConcurrentPolls, cancellationToken);
        var started = new List<Task<bool>>();
        foreach (var feedId in due)
        {
            if (started.Count >= free)
            {
                break;
            }

            if (_inFlight.ContainsKey(feedId))
            {
                continue;
            }

            var poll = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (!_inFlight.TryAdd(feedId, poll.Task))
            {
                continue;
            }

            started.Add(poll.Task);
            _ = RunPollAsync(feedId, poll, cancellationToken);
        }

        return started;
    }

    private async Task RunPollAsync(string feedId, TaskCompletionSource<bool> completion, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Yield();
            completion.TrySetResult(await PollIfDueAsync(feedId, cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            completion.TrySetResult(false);
        }
        catch (Exception ex)
        {
            LogPollCrashed(ex, feedId);
            completion.TrySetResult(false);
        }
        finally
        {
            _inFlight.TryRemove(feedId, out _);
        }
    }

    private async Task<bool> PollIfDueAsync(string feedId, CancellationToken cancellationToken)
    {
        var token = await leases.TryAcquireAsync(feedId, _options.LeaseDuration, cancellationToken);
        if (token is null)
        {
            return false;
        }

        try
        {
            // Read under the lease: a replica that polled the feed just before will have moved its due time on.
            var snapshot = await store.GetAsync(feedId, cancellationToken);
            if (snapshot is not { Feed.State: FeedState.Active, DueAt: { } dueAt } || dueAt > timeProvider.GetUtcNow())
            {
                return false;
            }

            var result = await poller.PollAsync(snapshot.Feed, snapshot.Poll, cancellationToken);
            await store.SavePollAsync(feedId, result.State, result.NextDueAt, CancellationToken.None);
            return true;
        }
        finally
        {
            await leases.ReleaseAsync(feedId, token, CancellationToken.None);
        }
    }

    [LoggerMessage(LogLevel.Information, "Feed polling is disabled on this replica (Feeds:Enabled=false)")]
    private partial void LogDisabled();

    [LoggerMessage(LogLevel.Warning, "Looking for due feeds failed; trying again at the next tick")]
    private partial void LogSchedulingFailed(Exception exception);

    [LoggerMessage(LogLevel.Error, "Polling feed {FeedId} failed unexpectedly; it stays due and is tried again")]
    private partial void LogPollCrashed(Exception exception, string feedId);
}
