using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NarrativeMonitor.Alerts.Webhooks;
using NarrativeMonitor.Contracts;
using Proto = NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Alerts.Tests.Webhooks;

/// <summary>One POST the receiver got.</summary>
public sealed record ReceivedWebhook(string Path, string Body, string? ContentType, string? Signature, string? EventId, string? DeliveryId, string? Timestamp);

/// <summary>
/// A webhook receiver: Kestrel on 127.0.0.1 with a free port. Each path answers 200 unless the test maps a handler,
/// which gets the 1-based number of the call to that path. Records every request and the most in flight per path.
/// </summary>
public sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, Func<HttpContext, int, Task>> _handlers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _calls = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _inFlight = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _maxInFlight = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    private WebhookReceiver(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    public ConcurrentQueue<ReceivedWebhook> Requests { get; } = new();

    public static async Task<WebhookReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var receiver = new WebhookReceiver(app);
        app.Run(receiver.HandleAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.BaseAddress = new Uri(address + "/");
        return receiver;
    }

    public string Url(string path) => new Uri(BaseAddress, path.TrimStart('/')).AbsoluteUri;

    public void Map(string path, Func<HttpContext, int, Task> handler) => _handlers[path] = handler;

    public IReadOnlyList<ReceivedWebhook> At(string path) => Requests.Where(r => r.Path == path).ToList();

    public int MaxInFlight(string path) => _maxInFlight.GetValueOrDefault(path);

    /// <summary>Waits (real time) until <paramref name="path"/> has had at least <paramref name="count"/> requests.</summary>
    public async Task WaitForAsync(string path, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (At(path).Count < count)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"{path} got {At(path).Count} requests, expected {count}");
            }

            await Task.Delay(20);
        }
    }

    private async Task HandleAsync(HttpContext context)
    {
        var path = context.Request.Path.Value ?? "";
        using var reader = new StreamReader(context.Request.Body);
        var body = await reader.ReadToEndAsync();
        var headers = context.Request.Headers;
        Requests.Enqueue(new ReceivedWebhook(
            path,
            body,
            context.Request.ContentType,
            headers[WebhookSender.SignatureHeader].FirstOrDefault(),
            headers[WebhookSender.EventIdHeader].FirstOrDefault(),
            headers[WebhookSender.DeliveryIdHeader].FirstOrDefault(),
            headers[WebhookSender.TimestampHeader].FirstOrDefault()));
        var call = _calls.AddOrUpdate(path, 1, (_, n) => n + 1);
        lock (_lock)
        {
            var now = _inFlight.AddOrUpdate(path, 1, (_, n) => n + 1);
            _maxInFlight[path] = Math.Max(now, _maxInFlight.GetValueOrDefault(path));
        }

        try
        {
            if (_handlers.TryGetValue(path, out var handler))
            {
                await handler(context, call);
            }
            else
            {
                context.Response.StatusCode = StatusCodes.Status200OK;
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_lock)
            {
                _inFlight.AddOrUpdate(path, 0, (_, n) => n - 1);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>
/// The alert service's composition (AddAlertServices, which adds the webhooks) without the bus, on the in-memory store
/// or on real Redis under a key prefix. Not started unless the test starts it: tests drive the dispatcher by hand.
/// </summary>
public sealed class WebhookHost : IAsyncDisposable
{
    public static readonly DateTimeOffset Now = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private WebhookHost(IHost host) => Host = host;

    public IHost Host { get; }
    public IWebhookStore Store => Host.Services.GetRequiredService<IWebhookStore>();
    public IAlertStore Alerts => Host.Services.GetRequiredService<IAlertStore>();
    public IAlertLedger Ledger => Host.Services.GetRequiredService<IAlertLedger>();
    public WebhookDispatcher Dispatcher => Host.Services.GetRequiredService<WebhookDispatcher>();
    public WebhookGrpcService Grpc => ActivatorUtilities.CreateInstance<WebhookGrpcService>(Host.Services);
    public TimeProvider Clock => Host.Services.GetRequiredService<TimeProvider>();

    /// <param name="redis">Redis connection string; null for the in-memory store.</param>
    public static WebhookHost Create(string? redis, string keyPrefix, TimeProvider clock, IDictionary<string, string?>? settings = null)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        var configuration = new Dictionary<string, string?>
        {
            ["Storage:Provider"] = redis is null ? "InMemory" : "Redis",
            ["Storage:RedisConnection"] = redis ?? "localhost:6379",
            ["Storage:KeyPrefix"] = keyPrefix,
            ["Webhooks:PollInterval"] = "00:00:00.050",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            configuration[key] = value;
        }

        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddSingleton(clock);
        builder.AddAlertServices();
        return new WebhookHost(builder.Build());
    }

    public async Task<Proto.Webhook> CreateWebhookAsync(string url, Proto.WebhookFormat format = Proto.WebhookFormat.Json, Proto.WebhookFilter? filter = null, string secret = Secret) =>
        await Grpc.CreateWebhook(new Proto.CreateWebhookRequest { Url = url, Format = format, Filter = filter, Secret = secret, Description = "test" }, new TestServerCallContext());

    public const string Secret = "0123456789abcdef-test-secret";

    /// <summary>Raises a new alert through the ledger, as the evaluator does; returns its event.</summary>
    public async Task<AlertEventRecord> RaiseAsync(string alertId, string claimId = "claim-kursk", string sourceId = "tass", AlertKind kind = AlertKind.Denial)
    {
        var snapshot = await Ledger.ReadAsync(claimId, sourceId);
        var episode = new AlertEpisode
        {
            Id = alertId,
            ClaimId = claimId,
            SourceId = sourceId,
            Kind = kind,
            Severity = kind == AlertKind.Denial ? AlertSeverity.High : AlertSeverity.Medium,
            RaisedAt = new DateTimeOffset(2024, 12, 3, 8, 0, 0, TimeSpan.Zero),
            DivergingArticleIds = [$"{sourceId}-1"],
            EvidenceSentences = [$"evidence of {alertId}"],
            ConfirmingArticleIds = ["isw-1", "reuters-1"],
            ConfirmedAt = new DateTimeOffset(2024, 12, 2, 8, 0, 0, TimeSpan.Zero),
        };
        var events = await Ledger.CommitAsync(snapshot, [new AlertChange(new AlertRecord { Episode = episode }, AlertEventType.Raised)], Clock.GetUtcNow());
        Assert.NotNull(events);
        return Assert.Single(events);
    }

    public async Task<Proto.Delivery> DeliveryAsync(string webhookId) =>
        Assert.Single((await ListDeliveriesAsync(webhookId)).Deliveries);

    public Task<Proto.ListDeliveriesResponse> ListDeliveriesAsync(string webhookId, int pageSize = 0, string pageToken = "") =>
        Grpc.ListDeliveries(new Proto.ListDeliveriesRequest { WebhookId = webhookId, PageSize = pageSize, PageToken = pageToken }, new TestServerCallContext());

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Host.StopAsync();
        }
        catch (OperationCanceledException)
        {
        }

        Host.Dispose();
    }
}
