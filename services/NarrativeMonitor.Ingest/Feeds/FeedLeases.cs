using NarrativeMonitor.ServiceDefaults;
using StackExchange.Redis;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>Per-feed leases (<see cref="ILeases"/> by feed id), so that of several replicas only one polls a feed at a time.</summary>
public interface IFeedLeases : ILeases;

public sealed class InMemoryFeedLeases(TimeProvider timeProvider) : InMemoryLeases(timeProvider), IFeedLeases;

/// <summary>Keys (after the storage key prefix): ing:feedlease:{feed id} (see <see cref="RedisLeases"/>).</summary>
public sealed class RedisFeedLeases(IDatabase database) : RedisLeases(database, "ing:feedlease:"), IFeedLeases;
