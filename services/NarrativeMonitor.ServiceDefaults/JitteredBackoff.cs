namespace NarrativeMonitor.ServiceDefaults;

/// <summary>
/// Exponential backoff with "equal jitter": after the k-th failure in a row the ceiling is min(max, base * 2^(k-1)) and
/// the delay is drawn uniformly from [ceiling / 2, ceiling]. Replicas that failed together spread out, and the delay never
/// shrinks from one failure to the next (the next floor is this ceiling). Feed polls and webhook deliveries use it.
/// </summary>
public sealed class JitteredBackoff(TimeSpan backoffBase, TimeSpan backoffMax, Random? random = null)
{
    private readonly Random _random = random ?? Random.Shared;

    public TimeSpan Ceiling(int consecutiveFailures)
    {
        var exponent = Math.Clamp(consecutiveFailures - 1, 0, 40);
        var ticks = backoffBase.Ticks * Math.Pow(2, exponent);
        return ticks >= backoffMax.Ticks ? backoffMax : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The delay before the next attempt; a server's Retry-After is honoured as a floor, within the maximum.</summary>
    public TimeSpan Delay(int consecutiveFailures, TimeSpan? retryAfter = null)
    {
        var ceiling = Ceiling(consecutiveFailures);
        var delay = TimeSpan.FromTicks(ceiling.Ticks / 2 + (long)(_random.NextDouble() * (ceiling.Ticks - ceiling.Ticks / 2)));
        if (retryAfter is { } floor && floor > delay)
        {
            delay = floor < backoffMax ? floor : backoffMax;
        }

        return delay;
    }
}
