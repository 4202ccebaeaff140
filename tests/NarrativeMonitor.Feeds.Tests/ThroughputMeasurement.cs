using System.Diagnostics;
using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Xunit.Abstractions;

namespace NarrativeMonitor.Ingest.Feeds.Tests;

/// <summary>
/// How many feeds one ingest replica polls per minute: the worker runs as it does in production (its own scheduler
/// loop) against N feeds on a loopback server, through the real pipeline with in-memory stores and bus. Prints the
/// figures and asserts only that every feed was polled; run with
/// NM_FEEDS_BENCH_FEEDS=2000 dotnet test tests/NarrativeMonitor.Feeds.Tests --filter ThroughputMeasurement --logger "console;verbosity=detailed".
/// </summary>
public sealed class ThroughputMeasurement(ITestOutputHelper output)
{
    private const int ItemsPerFeed = 10;

    [Fact]
    public async Task Feeds_polled_per_minute_by_one_replica()
    {
        var feeds = int.TryParse(Environment.GetEnvironmentVariable("NM_FEEDS_BENCH_FEEDS"), out var configured) ? configured : 300;
        await using var server = await LocalServer.StartAsync();
        var honourValidators = true;
        server.Map("/feed", async context =>
        {
            var n = int.Parse(context.Request.Query["n"]!, CultureInfo.InvariantCulture);
            var etag = $"\"feed-{n}-v1\"";
            if (honourValidators && context.Request.Headers.IfNoneMatch == etag)
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            context.Response.Headers.ETag = etag;
            context.Response.ContentType = Samples.RssContentType;
            await context.Response.WriteAsync(Samples.Rss(Enumerable.Range(0, ItemsPerFeed)
                .Select(i => Samples.NumberedItem(server, n * ItemsPerFeed + i))
                .ToArray()));
        });

        var settings = FeedTestHost.DefaultSettings();
        settings["Feeds:SchedulerInterval"] = "00:00:00.010";
        settings["Feeds:MaxConcurrentPolls"] = "64";
        // Every feed is on one loopback host here; the per-host politeness limit would measure itself, not the replica.
        settings["Feeds:MaxConcurrentPerHost"] = "64";
        settings["Feeds:MaxResponseBytes"] = "1048576";
        settings["Feeds:RequestTimeout"] = "00:00:30";
        settings["Feeds:LeaseDuration"] = "00:02:00";
        await using var host = await FeedTestHost.StartAsync(settings);
        for (var n = 0; n < feeds; n++)
        {
            await host.AddFeedAsync(server.Url($"feed?n={n}"), interval: TimeSpan.FromMinutes(5));
        }

        // A worker of its own with its loop enabled (the host's is disabled, so feeds are not polled while being added).
        var options = host.Services.GetRequiredService<IOptions<FeedOptions>>().Value;
        options.Enabled = true;
        using var worker = ActivatorUtilities.CreateInstance<FeedPollingWorker>(host.Services, Options.Create(options));
        using var stop = new CancellationTokenSource();
        await worker.StartAsync(stop.Token);
        try
        {
            await Round(host, feeds, $"first poll: 200, {ItemsPerFeed} new items each, all ingested");
            host.Clock.Advance(TimeSpan.FromMinutes(5));
            await Round(host, feeds, "unchanged feed: 304 Not Modified");
            honourValidators = false;
            host.Clock.Advance(TimeSpan.FromMinutes(5));
            await Round(host, feeds, $"unchanged feed without validators: 200, {ItemsPerFeed} items all seen before");
        }
        finally
        {
            await stop.CancelAsync();
            await worker.StopAsync(CancellationToken.None);
        }

        Assert.Equal(feeds * ItemsPerFeed, host.Published().Count);
    }

    private async Task Round(FeedTestHost host, int feeds, string label)
    {
        var roundAt = host.Clock.GetUtcNow();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var snapshots = await host.Store.ListAsync();
            if (snapshots.All(s => s.Poll.LastPolledAt >= roundAt))
            {
                break;
            }

            Assert.True(watch.Elapsed < TimeSpan.FromMinutes(5), $"{label}: not every feed was polled within 5 minutes");
            await Task.Delay(5);
        }

        watch.Stop();
        var snapshot = await host.Store.ListAsync();
        Assert.All(snapshot, s => Assert.Equal(0, s.Poll.ConsecutiveFailures));
        var perMinute = feeds / watch.Elapsed.TotalMinutes;
        output.WriteLine($"{label}: {feeds} feeds in {watch.Elapsed.TotalSeconds:F2} s = {perMinute:N0} feeds/minute ({Environment.ProcessorCount} cores)");
    }
}
