using System.Collections.Concurrent;
using System.Net;
using Grpc.Core;
using MassTransit;
using MassTransit.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Ingest.Feeds;
using NarrativeMonitor.Testing;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace NarrativeMonitor.Ingest.Feeds.Tests;

// xunit finds collection definitions only in the test assembly itself.
[CollectionDefinition(RedisCollection.Name)]
public sealed class FeedsRedisCollection : ICollectionFixture<RedisFixture>;

internal static class TestRedis
{
    private static readonly ConcurrentDictionary<string, Lazy<ConnectionMultiplexer>> Connections = new();

    public static IDatabase Database(RedisFixture fixture, string prefix) =>
        Connections.GetOrAdd(fixture.ConnectionString, c => new Lazy<ConnectionMultiplexer>(() => ConnectionMultiplexer.Connect(c)))
            .Value.GetDatabase().WithKeyPrefix(prefix);
}

/// <summary>One request the local server received.</summary>
public sealed record ReceivedRequest(string Path, string Query, string? IfNoneMatch, string? IfModifiedSince, string? UserAgent);

/// <summary>
/// A Kestrel server on 127.0.0.1 with a free port, whose routes the test sets; it records every request and the most
/// requests it ever had in flight at once.
/// </summary>
public sealed class LocalServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, RequestDelegate> _routes = new(StringComparer.Ordinal);
    private int _inFlight;
    private int _maxInFlight;

    private LocalServer(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<ReceivedRequest> Requests { get; } = new();

    public int MaxInFlight => Volatile.Read(ref _maxInFlight);

    public static async Task<LocalServer> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var server = new LocalServer(app);
        app.Run(server.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        server.BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        return server;
    }

    public string Url(string path) => new Uri(BaseAddress, path.TrimStart('/')).AbsoluteUri;

    public void Map(string path, RequestDelegate handler) => _routes[path] = handler;

    /// <summary>Serves <paramref name="body"/> with <paramref name="contentType"/>, and optional validators honoured with 304.</summary>
    public void MapContent(string path, Func<string> body, string contentType, string? etag = null, string? lastModified = null) =>
        Map(path, async context =>
        {
            var request = context.Request;
            if ((etag is not null && request.Headers.IfNoneMatch == etag) ||
                (etag is null && lastModified is not null && request.Headers.IfModifiedSince == lastModified))
            {
                context.Response.StatusCode = StatusCodes.Status304NotModified;
                return;
            }

            if (etag is not null)
            {
                context.Response.Headers.ETag = etag;
            }

            if (lastModified is not null)
            {
                context.Response.Headers.LastModified = lastModified;
            }

            context.Response.ContentType = contentType;
            await context.Response.WriteAsync(body());
        });

    public int CountRequests(string path) => Requests.Count(r => r.Path == path);

    private async Task HandleAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        int seen;
        while (inFlight > (seen = Volatile.Read(ref _maxInFlight)) && Interlocked.CompareExchange(ref _maxInFlight, inFlight, seen) != seen)
        {
        }

        try
        {
            var request = context.Request;
            Requests.Enqueue(new ReceivedRequest(
                request.Path.Value ?? "",
                request.QueryString.Value ?? "",
                request.Headers.IfNoneMatch.Count > 0 ? request.Headers.IfNoneMatch.ToString() : null,
                request.Headers.IfModifiedSince.Count > 0 ? request.Headers.IfModifiedSince.ToString() : null,
                request.Headers.UserAgent.ToString()));
            if (_routes.TryGetValue(request.Path.Value ?? "", out var handler))
            {
                await handler(context);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status404NotFound;
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public static class Samples
{
    public static readonly DateTimeOffset Now = new(2024, 12, 20, 12, 0, 0, TimeSpan.Zero);

    public static SourceRecord Tass { get; } = new("tass", "TASS", SourceKind.StateMedia, "RU", "ru");

    public static SourceRecord Isw { get; } = new("isw", "Institute for the Study of War", SourceKind.Analysis, "US", "en");

    public const string RssContentType = "application/rss+xml; charset=utf-8";
    public const string AtomContentType = "application/atom+xml; charset=utf-8";
    public const string HtmlContentType = "text/html; charset=utf-8";

    public record RssItem(string Title, string Link, string? Description = null, string? Content = null, string? Guid = null, string? PubDate = "Wed, 18 Dec 2024 09:30:00 GMT");

    public static string Rss(params RssItem[] items) => $"""
        <?xml version="1.0" encoding="utf-8"?>
        <rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
          <channel>
            <title>Test channel</title>
            <link>https://example.org/</link>
            <description>Test feed</description>
            {string.Concat(items.Select(Item))}
          </channel>
        </rss>
        """;

    private static string Item(RssItem item) => $"""
            <item>
              <title>{Escape(item.Title)}</title>
              <link>{Escape(item.Link)}</link>
              {(item.Guid is null ? "" : $"<guid isPermaLink=\"false\">{Escape(item.Guid)}</guid>")}
              {(item.PubDate is null ? "" : $"<pubDate>{item.PubDate}</pubDate>")}
              {(item.Description is null ? "" : $"<description>{Escape(item.Description)}</description>")}
              {(item.Content is null ? "" : $"<content:encoded><![CDATA[{item.Content}]]></content:encoded>")}
            </item>
        """;

    public static string Escape(string text) => System.Security.SecurityElement.Escape(text);

    /// <summary>An RSS item with a full text of its own, at {baseUrl}news/{n}.</summary>
    public static RssItem NumberedItem(LocalServer server, int n) => new(
        $"Report number {n} on the fighting",
        server.Url($"news/{n}"),
        Content: $"<p>Full text of report {n}: fighting in the Kursk region continued on day {n}.</p><p>Second paragraph of report {n}.</p>");
}

/// <summary>
/// Ingest as AddIngestServices composes it (feeds included), with MassTransit's test harness for the bus and a manual
/// clock; the worker's loop is disabled (Feeds:Enabled=false), tests drive it with <see cref="FeedPollingWorker.RunDueAsync"/>.
/// </summary>
public sealed class FeedTestHost : IAsyncDisposable
{
    private FeedTestHost(ServiceProvider services, ManualTimeProvider clock)
    {
        Services = services;
        Clock = clock;
    }

    public ServiceProvider Services { get; }

    public ManualTimeProvider Clock { get; }

    public ITestHarness Harness => Services.GetRequiredService<ITestHarness>();

    public IFeedStore Store => Services.GetRequiredService<IFeedStore>();

    public FeedPollingWorker Worker => Services.GetRequiredService<FeedPollingWorker>();

    public FeedPoller Poller => Services.GetRequiredService<FeedPoller>();

    public static Dictionary<string, string?> DefaultSettings() => new()
    {
        ["Storage:Provider"] = "InMemory",
        // The test harness starts every hosted service; the worker's own loop must not race the test's RunDueAsync.
        ["Feeds:Enabled"] = "false",
        ["Feeds:RequestTimeout"] = "00:00:02",
        ["Feeds:MinPollInterval"] = "00:00:01",
        ["Feeds:DefaultPollInterval"] = "00:01:00",
        ["Feeds:BackoffBase"] = "00:00:10",
        ["Feeds:BackoffMax"] = "00:10:00",
        ["Feeds:LeaseDuration"] = "00:00:30",
        ["Feeds:MaxResponseBytes"] = "65536",
        ["Feeds:UserAgent"] = "NarrativeMonitor-Tests/1.0",
    };

    public static async Task<FeedTestHost> StartAsync(IDictionary<string, string?>? settings = null, ManualTimeProvider? clock = null)
    {
        clock ??= new ManualTimeProvider(Samples.Now);
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings ?? DefaultSettings());
        builder.Services.AddSingleton<TimeProvider>(clock);
        builder.Services.AddLogging(logging =>
        {
            if (Environment.GetEnvironmentVariable("NM_FEEDS_TEST_LOG") is { Length: > 0 })
            {
                logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Debug);
            }
        });
        builder.AddIngestServices();
        builder.Services.AddMassTransitTestHarness(bus => bus.AddIngestConsumers());
        var services = builder.Services.BuildServiceProvider();
        await services.GetRequiredService<ITestHarness>().Start();
        var host = new FeedTestHost(services, clock);
        var sources = services.GetRequiredService<SourceRegistry>();
        await sources.RegisterAsync(Samples.Tass);
        await sources.RegisterAsync(Samples.Isw);
        return host;
    }

    public FeedGrpcService Grpc()
    {
        var scope = Services.CreateScope();
        return ActivatorUtilities.CreateInstance<FeedGrpcService>(scope.ServiceProvider);
    }

    public IngestGrpcService Ingest()
    {
        var scope = Services.CreateScope();
        return ActivatorUtilities.CreateInstance<IngestGrpcService>(scope.ServiceProvider);
    }

    public async Task<FeedRecord> AddFeedAsync(string url, FeedKind kind = FeedKind.Auto, string sourceId = "tass", TimeSpan? interval = null, string id = "")
    {
        var feed = await Grpc().AddFeed(new Protos.Ingest.V1.AddFeedRequest
        {
            Feed = new Protos.Ingest.V1.Feed
            {
                Id = id,
                SourceId = sourceId,
                Url = url,
                Kind = (Protos.Ingest.V1.FeedKind)kind,
                PollInterval = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(interval ?? TimeSpan.FromMinutes(1)),
            },
        }, new TestServerCallContext());
        return (await Store.GetAsync(feed.Id))!.Feed;
    }

    public async Task<FeedSnapshot> SnapshotAsync(string feedId) => (await Store.GetAsync(feedId))!;

    public List<ArticleIngested> Published() =>
        Harness.Published.Select<ArticleIngested>().Select(m => m.Context.Message).ToList();

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        await Services.DisposeAsync();
    }
}
