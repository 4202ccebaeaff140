using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using MassTransit;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.Testing;

namespace NarrativeMonitor.Ingest.Tests;

/// <summary>The service as Program.cs composes it, called through a real gRPC client over the test server.</summary>
public abstract class EndToEndTests : IAsyncLifetime
{
    private WebApplicationFactory<IngestGrpcService> _factory = null!;
    private GrpcChannel _channel = null!;
    private IngestService.IngestServiceClient _client = null!;
    private readonly List<ArticleIngested> _received = [];
    private readonly SemaphoreSlim _receivedSignal = new(0);
    private HostReceiveEndpointHandle? _probe;
    private readonly string _apiKey = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));

    protected abstract IReadOnlyDictionary<string, string> Settings { get; }

    public async Task InitializeAsync()
    {
        _factory = new WebApplicationFactory<IngestGrpcService>().WithWebHostBuilder(web =>
        {
            foreach (var (key, value) in Settings)
            {
                web.UseSetting(key, value);
            }

            // Program.cs requires authentication: the test calls as a service account with the roles it needs.
            web.UseSetting("Auth:ApiKeys:0:Name", "e2e-tests");
            web.UseSetting("Auth:ApiKeys:0:Key", _apiKey);
            web.UseSetting("Auth:ApiKeys:0:Roles:0", "ingest");
            web.UseSetting("Auth:ApiKeys:0:Roles:1", "admin");
        });
        _channel = GrpcChannel.ForAddress(_factory.Server.BaseAddress, new GrpcChannelOptions { HttpHandler = _factory.Server.CreateHandler() });
        _client = new IngestService.IngestServiceClient(_channel.Intercept(metadata =>
        {
            metadata.Add("x-api-key", _apiKey);
            return metadata;
        }));

        // A queue of the test's own, bound to ArticleIngested and ArticleBatchIngested (streams), to see what actually reached the transport.
        var bus = _factory.Services.GetRequiredService<IBus>();
        _probe = bus.ConnectReceiveEndpoint($"{Settings.GetValueOrDefault("Messaging:EntityPrefix", "t")}-probe", endpoint =>
        {
            if (endpoint is IRabbitMqReceiveEndpointConfigurator rabbit)
            {
                rabbit.Durable = false;
                rabbit.AutoDelete = true;
            }

            endpoint.Handler<ArticleIngested>(context =>
            {
                lock (_received)
                {
                    _received.Add(context.Message);
                }

                _receivedSignal.Release();
                return Task.CompletedTask;
            });
            endpoint.Handler<ArticleBatchIngested>(context =>
            {
                lock (_received)
                {
                    _received.AddRange(context.Message.Articles);
                }

                _receivedSignal.Release(context.Message.Articles.Count);
                return Task.CompletedTask;
            });
        });
        await _probe.Ready;
    }

    public async Task DisposeAsync()
    {
        if (_probe is not null)
        {
            await _probe.StopAsync();
        }

        _channel.Dispose();
        await _factory.DisposeAsync();
    }

    [Fact]
    public async Task Register_submit_and_stream_over_grpc()
    {
        await _client.RegisterSourceAsync(new RegisterSourceRequest { Source = Samples.Tass.ToProto() });
        var article = Samples.Article(id: "e2e-1");
        article.PublishedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-5));

        var accepted = await _client.SubmitArticleAsync(new SubmitArticleRequest { Article = article });
        var duplicate = await _client.SubmitArticleAsync(new SubmitArticleRequest { Article = article });
        var invalid = await Assert.ThrowsAsync<RpcException>(async () =>
            await _client.SubmitArticleAsync(new SubmitArticleRequest { Article = Samples.Article(url: "not a url") }));

        Assert.Equal(SubmissionOutcome.Accepted, accepted.Outcome);
        Assert.Equal(SubmissionOutcome.Duplicate, duplicate.Outcome);
        Assert.Equal("e2e-1", duplicate.DuplicateOf);
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.StartsWith("article.url: ", invalid.Status.Detail);

        using var call = _client.SubmitArticles();
        foreach (var n in new[] { 2, 3 })
        {
            var streamed = article.Clone();
            streamed.Id = $"e2e-{n}";
            streamed.Url = $"https://tass.ru/e2e/{n}";
            streamed.Body = $"Streamed body {n}.";
            await call.RequestStream.WriteAsync(new SubmitArticleRequest { Article = streamed });
        }

        await call.RequestStream.WriteAsync(new SubmitArticleRequest { Article = article });
        await call.RequestStream.CompleteAsync();
        var response = await call;
        Assert.Equal((2, 1, 0), (response.Accepted, response.Duplicates, response.Rejected));

        for (var i = 0; i < 3; i++)
        {
            Assert.True(await _receivedSignal.WaitAsync(TimeSpan.FromSeconds(30)), "ArticleIngested did not arrive");
        }

        lock (_received)
        {
            Assert.Equal(["e2e-1", "e2e-2", "e2e-3"], _received.Select(m => m.ArticleId).Order());
            Assert.All(_received, m => Assert.Equal(SourceKind.StateMedia, m.SourceKind));
        }
    }
}

public sealed class InMemoryEndToEndTests : EndToEndTests
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>
    {
        ["Storage:Provider"] = "InMemory",
        ["Messaging:Transport"] = "InMemory",
    };
}

[Collection(ServersCollection.Name)]
public sealed class ServersEndToEndTests(RedisFixture redis, RabbitMqFixture rabbitMq) : EndToEndTests
{
    private readonly string _prefix = RabbitMqFixture.UniquePrefix();

    protected override IReadOnlyDictionary<string, string> Settings => new Dictionary<string, string>
    {
        ["Storage:Provider"] = "Redis",
        ["Storage:RedisConnection"] = redis.ConnectionString,
        ["Storage:KeyPrefix"] = RedisFixture.UniquePrefix(),
        ["Messaging:Transport"] = "RabbitMq",
        ["Messaging:RabbitMqUri"] = rabbitMq.AmqpUri.ToString(),
        ["Messaging:EntityPrefix"] = _prefix,
        ["Messaging:QuorumQueues"] = "false",
    };
}
