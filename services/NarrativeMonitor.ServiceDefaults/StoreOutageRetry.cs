using MassTransit;
using StackExchange.Redis;

namespace NarrativeMonitor.ServiceDefaults;

/// <summary>
/// A consumer's retry while Redis is down or still loading its AOF after a restart. The endpoint retries (about 8 s)
/// do not outlast a Redis restart, and their messages went to the error queue (tests/NarrativeMonitor.FaultTests kills
/// Redis mid-load for 10 s). Configured on the consumer, so it runs inside the endpoint's retry policy: a nested policy
/// on the endpoint never got its turn once the endpoint's own policy had given up.
/// </summary>
public static class StoreOutageRetry
{
    /// <summary>12 attempts, exponentially further apart up to 30 s: about five minutes.</summary>
    public static void Configure(IRetryConfigurator retry)
    {
        retry.Handle<RedisConnectionException>();
        retry.Handle<RedisTimeoutException>();
        retry.Handle<RedisServerException>(e => e.Message.StartsWith("LOADING", StringComparison.Ordinal));
        retry.Exponential(12, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(2));
    }
}
