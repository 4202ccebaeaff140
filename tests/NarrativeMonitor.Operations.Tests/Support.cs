using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.Operations.Tests;

/// <summary>Makes the classifier throw for articles whose title holds <see cref="Marker"/> while <see cref="Poisoned"/> is on, and counts every attempt.</summary>
public sealed class PoisonSwitch
{
    public const string Marker = "POISON";

    public volatile bool Poisoned = true;

    public ConcurrentDictionary<string, int> Attempts { get; } = new(StringComparer.Ordinal);
}

public sealed class PoisonousClassifier(IStanceClassifier inner, PoisonSwitch poison) : IStanceClassifier
{
    public IPreparedClaims Prepare(IReadOnlyList<ClaimDefinition> claims) => inner.Prepare(claims);

    public IReadOnlyList<StanceResult> Classify(ArticleText article, IPreparedClaims claims)
    {
        if (article.Title.Contains(PoisonSwitch.Marker, StringComparison.Ordinal))
        {
            poison.Attempts.AddOrUpdate(article.Title, 1, (_, n) => n + 1);
            if (poison.Poisoned)
            {
                throw new InvalidOperationException($"poisoned test article '{article.Title}'");
            }
        }

        return inner.Classify(article, claims);
    }
}

/// <summary>Records the ids of the articles classification published, as a downstream service would see them.</summary>
public sealed class ClassifiedRecorder(ClassifiedLog log) : IConsumer<ArticleClassified>, IConsumer<ArticleBatchClassified>
{
    public Task Consume(ConsumeContext<ArticleClassified> context)
    {
        log.Add(context.Message.ArticleId);
        return Task.CompletedTask;
    }

    public Task Consume(ConsumeContext<ArticleBatchClassified> context)
    {
        foreach (var article in context.Message.Articles)
        {
            log.Add(article.ArticleId);
        }

        return Task.CompletedTask;
    }
}

public sealed class ClassifiedLog
{
    private readonly ConcurrentDictionary<string, int> _seen = new(StringComparer.Ordinal);

    public void Add(string articleId) => _seen.AddOrUpdate(articleId, 1, (_, n) => n + 1);

    public bool Contains(string articleId) => _seen.ContainsKey(articleId);

    public int Count(string articleId) => _seen.GetValueOrDefault(articleId);
}

/// <summary>The request headers that reached the admin API, to check what the CLI sends.</summary>
public sealed class HeaderLog
{
    public ConcurrentQueue<(string Method, string? ApiKey, string? Authorization)> Calls { get; } = new();
}

public sealed class HeaderLogInterceptor(HeaderLog log) : Interceptor
{
    public override Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        if (context.Method.Contains("ErrorQueueService", StringComparison.Ordinal))
        {
            log.Calls.Enqueue((context.Method, context.RequestHeaders.GetValue("x-api-key"), context.RequestHeaders.GetValue("authorization")));
        }

        return continuation(request, context);
    }
}

/// <summary>Services hosted separately on the shared servers under a prefix of their own, plus a bus observer.</summary>
public sealed class OperationsCluster : IAsyncDisposable
{
    private readonly List<IHost> _hosts = [];
    private readonly List<GrpcChannel> _channels = [];

    public OperationsCluster(RedisFixture redis, RabbitMqFixture rabbit, IDictionary<string, string?>? overrides = null)
    {
        Prefix = RabbitMqFixture.UniquePrefix();
        Settings = ServiceHosts.Distributed(redis.ConnectionString, rabbit.AmqpUri, Prefix);
        // Two quick retries: three attempts in a fraction of a second instead of the production policy's 7.6 s.
        Settings["Messaging:RetryIntervals:0"] = "00:00:00.050";
        Settings["Messaging:RetryIntervals:1"] = "00:00:00.100";
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            Settings[key] = value;
        }
    }

    public string Prefix { get; }
    public Dictionary<string, string?> Settings { get; }
    public PoisonSwitch Poison { get; } = new();
    public ClassifiedLog Classified { get; } = new();
    public HeaderLog Headers { get; } = new();

    public string Queue(string name) => $"{Prefix}-{name}";

    public async Task<WebApplication> StartAsync(HostedService service)
    {
        var app = ServiceHosts.Build(service, Settings, builder =>
        {
            builder.Services.AddSingleton(Headers);
            builder.Services.Configure<Grpc.AspNetCore.Server.GrpcServiceOptions>(o => o.Interceptors.Add<HeaderLogInterceptor>());
            if (service == HostedService.Classification)
            {
                builder.Services.AddSingleton(Poison);
                builder.Services.AddSingleton<IStanceClassifier>(new PoisonousClassifier(new RuleBasedStanceClassifier(), Poison));
            }
        });
        await app.StartAsync();
        _hosts.Add(app);
        return app;
    }

    /// <summary>A bus client that records every ArticleClassified; start it before classification publishes.</summary>
    public async Task StartObserverAsync()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(Settings);
        builder.Services.AddSingleton(Classified);
        builder.AddMessaging(bus => bus.AddConsumer<ClassifiedRecorder>());
        var host = builder.Build();
        await host.StartAsync();
        _hosts.Add(host);
    }

    public async Task StopAsync(IHost host)
    {
        _hosts.Remove(host);
        await host.StopAsync();
        if (host is IAsyncDisposable disposable)
        {
            await disposable.DisposeAsync();
        }
    }

    public GrpcChannel Channel(WebApplication app)
    {
        var channel = GrpcChannel.ForAddress(app.GrpcAddress());
        _channels.Add(channel);
        return channel;
    }

    public static async Task RegisterSourceAsync(IngestService.IngestServiceClient ingest, string id) =>
        await ingest.RegisterSourceAsync(new RegisterSourceRequest
        {
            Source = new Source { Id = id, Name = id, Kind = ProtoSourceKind.Wire, Country = "XX", Language = "en" },
        });

    public static Article Article(string id, string source, string title) => new()
    {
        Id = id,
        SourceId = source,
        Url = $"https://{source}.example/{id}",
        PublishedAt = Timestamp.FromDateTimeOffset(new DateTimeOffset(2024, 11, 1, 9, 0, 0, TimeSpan.Zero)),
        Title = title,
        Body = $"Article {id} reports the harvest in the northern province; farmers expect a good year after the rains.",
        Language = "en",
    };

    /// <summary>Polls <paramref name="condition"/> until it holds; fails with <paramref name="what"/> after <paramref name="timeout"/>.</summary>
    public static async Task EventuallyAsync(Func<Task<bool>> condition, TimeSpan timeout, string what)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, $"timed out after {timeout.TotalSeconds} s waiting for {what}");
            await Task.Delay(100);
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var channel in _channels)
        {
            channel.Dispose();
        }

        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].StopAsync();
            if (_hosts[i] is IAsyncDisposable disposable)
            {
                await disposable.DisposeAsync();
            }
            else
            {
                _hosts[i].Dispose();
            }
        }
    }
}
