using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Alerts.V1;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;
using Xunit.Abstractions;
using static NarrativeMonitor.Alerts.Tests.History;

namespace NarrativeMonitor.Alerts.Tests;

/// <summary>
/// A claim with thousands of articles on real Redis: the timeline must still add up, and what it costs is printed
/// (NM_TIMELINE_BENCH_ARTICLES sets the size; run with --logger "console;verbosity=detailed" to see the figures).
/// </summary>
[Collection(RedisCollection.Name)]
public sealed class TimelineMeasurementTests(RedisFixture redis, ITestOutputHelper output)
{
    [Fact]
    public async Task A_claim_with_thousands_of_articles_gets_a_complete_timeline()
    {
        var articles = int.TryParse(Environment.GetEnvironmentVariable("NM_TIMELINE_BENCH_ARTICLES"), out var n) ? n : 10_000;
        await using var connection = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        var store = new RedisAlertStore(connection.GetDatabase().WithKeyPrefix(RedisFixture.UniquePrefix()), Options.Create(new AlertOptions()));
        var service = new AlertGrpcService(store, TimeProvider.System, NullLogger<AlertGrpcService>.Instance);
        string[] outlets = ["tass", "ria", "rt", "rg", "isw", "reuters", "ap", "meduza", "hur", "dod", "nis", "yonhap"];
        Stance[] stances = [Stance.Acknowledges, Stance.Denies, Stance.Deflects, Stance.Discusses, Stance.Omits];

        var writing = Stopwatch.StartNew();
        await Parallel.ForEachAsync(Enumerable.Range(0, articles), new ParallelOptions { MaxDegreeOfParallelism = 32 }, async (i, _) =>
        {
            var outlet = outlets[i % outlets.Length];
            var kind = i % outlets.Length < 4 ? SourceKind.StateMedia : SourceKind.Wire;
            await store.RecordTimelineAsync(Claim, new TimelineEntry($"a{i}", outlet, kind, Day(i % 180 + i / 997 * 0.01), stances[i / 7 % stances.Length]));
        });
        writing.Stop();

        var request = new GetClaimTimelineRequest { ClaimId = Claim };
        var timeline = await service.GetClaimTimeline(request, new TestServerCallContext());
        var reading = new List<double>();
        for (var i = 0; i < 20; i++)
        {
            var watch = Stopwatch.StartNew();
            await service.GetClaimTimeline(request, new TestServerCallContext());
            reading.Add(watch.Elapsed.TotalMilliseconds);
        }

        Assert.Equal(articles, timeline.Outlets.SelectMany(o => o.Days).Sum(d => d.Acknowledges + d.Denies + d.Deflects + d.Discusses + d.Omits));
        Assert.Equal(outlets.Length, timeline.Outlets.Count);
        Assert.All(timeline.Outlets.Take(outlets.Length - 4), o => Assert.NotEqual(Protos.Common.V1.SourceKind.StateMedia, o.SourceKind));
        reading.Sort();
        output.WriteLine($"{articles} articles, {outlets.Length} outlets, 180 days: recorded in {writing.Elapsed.TotalSeconds:F2} s " +
                         $"({articles / writing.Elapsed.TotalSeconds:F0} articles/s, 32 at once); GetClaimTimeline median {reading[reading.Count / 2]:F1} ms, " +
                         $"max {reading[^1]:F1} ms over {reading.Count} calls");
    }
}
