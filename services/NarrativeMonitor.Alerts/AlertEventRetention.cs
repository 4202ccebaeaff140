using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace NarrativeMonitor.Alerts;

/// <summary>
/// Trims the Redis alert event stream to <see cref="AlertOptions.EventRetention"/> every
/// <see cref="AlertOptions.EventTrimInterval"/>. Every replica trims; the trims are idempotent. The in-memory store (one
/// process, embedded mode) keeps its events for the life of the process.
/// </summary>
public sealed partial class AlertEventRetention(IAlertLedger ledger, IOptions<AlertOptions> options, ILogger<AlertEventRetention> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (ledger is not RedisAlertStore store)
        {
            return;
        }

        var settings = options.Value;
        using var timer = new PeriodicTimer(settings.EventTrimInterval);
        do
        {
            try
            {
                // Wall-clock, not the injected TimeProvider: entry ids carry the Redis server's clock, not domain time.
                var trimmed = await store.TrimEventsAsync(DateTimeOffset.UtcNow - settings.EventRetention);
                if (trimmed > 0)
                {
                    LogTrimmed(trimmed, settings.EventRetention);
                }
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                LogTrimFailed(ex);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    [LoggerMessage(LogLevel.Information, "Trimmed {Count} alert events older than {Retention}")]
    private partial void LogTrimmed(long count, TimeSpan retention);

    [LoggerMessage(LogLevel.Warning, "Trimming the alert event stream failed; it is tried again at the next interval")]
    private partial void LogTrimFailed(Exception exception);
}
