using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Threading.Channels;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.Testing;
using Xunit;
using ProtoAlertKind = NarrativeMonitor.Protos.Common.V1.AlertKind;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.IntegrationTests;

/// <summary>
/// The whole product: a webhook registered over gRPC (HTTP/2) on the alert service receives, signed, the alert that
/// articles submitted to ingest raise, through RabbitMQ and Redis, from the alert service's own dispatcher.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class WebhookPipelineTests(RedisFixture redis, RabbitMqFixture rabbit)
{
    private static readonly DateTimeOffset Day0 = new(2024, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private const string Secret = "integration-test-webhook-secret";

    [Fact]
    public async Task A_webhook_registered_over_grpc_receives_the_signed_alert_the_pipeline_raises()
    {
        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit, PipelineCluster.WithRulesClassifier);
        await using var receiver = await Receiver.StartAsync();
        using var channel = Grpc.Net.Client.GrpcChannel.ForAddress(cluster.AlertsAddress);
        var webhooks = new WebhookService.WebhookServiceClient(channel);

        var invalid = await Assert.ThrowsAsync<RpcException>(async () =>
            await webhooks.CreateWebhookAsync(new CreateWebhookRequest { Url = receiver.Url, Secret = "short" }));
        Assert.Equal(StatusCode.InvalidArgument, invalid.StatusCode);
        Assert.StartsWith("secret:", invalid.Status.Detail);

        var webhook = await webhooks.CreateWebhookAsync(new CreateWebhookRequest
        {
            Url = receiver.Url,
            Secret = Secret,
            Filter = new WebhookFilter { EventTypes = { AlertEventType.Raised } },
        });

        await SetUpAsync(cluster);
        await SubmitAsync(cluster, "c1", "ministry", 0, "Defence ministry confirms Northland troops in Westmark",
            "The defence ministry said on Friday that Northland troops are fighting alongside Eastland forces in Westmark province.");
        await SubmitAsync(cluster, "c2", "institute", 1, "Northland soldiers in combat in Westmark",
            "Our analysts confirmed that Northland troops are fighting alongside Eastland forces in Westmark province, based on footage and intercepts.");
        await SubmitAsync(cluster, "d1", "statenews", 2, "Reports of Northland troops are fake",
            "The foreign ministry dismissed claims that Northland troops are fighting in Westmark province as fake, calling them a Western provocation.");

        using var timeout = new CancellationTokenSource(Patience);
        var (body, signature, eventId) = await receiver.Received.Reader.ReadAsync(timeout.Token);
        Assert.Equal("sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(Secret), Encoding.UTF8.GetBytes(body))), signature);
        var alertEvent = JsonParser.Default.Parse<AlertEvent>(body);
        Assert.Equal(AlertEventType.Raised, alertEvent.Type);
        Assert.Equal(ProtoAlertKind.Denial, alertEvent.Alert.Kind);
        Assert.Equal("statenews", alertEvent.Alert.SourceId);
        Assert.Equal(alertEvent.Cursor, eventId);

        // The delivery log says so too, once the dispatcher has saved the outcome.
        Delivery? delivery = null;
        while (delivery?.Status != DeliveryStatus.Delivered)
        {
            await Task.Delay(100, timeout.Token);
            delivery = (await webhooks.ListDeliveriesAsync(new ListDeliveriesRequest { WebhookId = webhook.Id }, cancellationToken: timeout.Token)).Deliveries.SingleOrDefault();
        }

        Assert.Equal(1, delivery.Attempts);
        Assert.Equal(200, delivery.LastHttpStatus);
        Assert.Equal(alertEvent.Alert.Id, delivery.AlertId);
    }

    private static async Task SetUpAsync(PipelineCluster cluster)
    {
        foreach (var (id, kind) in new[] { ("ministry", ProtoSourceKind.Official), ("institute", ProtoSourceKind.Analysis), ("statenews", ProtoSourceKind.StateMedia) })
        {
            await cluster.IngestClient.RegisterSourceAsync(new RegisterSourceRequest
            {
                Source = new Protos.Ingest.V1.Source { Id = id, Name = id, Kind = kind, Country = "XX", Language = "en" },
            });
        }

        await cluster.ClassificationClient.CreateClaimAsync(new CreateClaimRequest
        {
            Claim = new Protos.Classification.V1.Claim
            {
                Id = "troops-in-region",
                Statement = "Northland troops are fighting alongside Eastland forces in Westmark province",
                Topic = "fighting in Westmark province",
                Keywords = { "Northland" },
                TopicKeywords = { "Westmark", "Riverford" },
                Rules = new Protos.Classification.V1.ClaimRules { ConfirmationSources = 2, OmissionArticles = 3, OmissionWindow = Duration.FromTimeSpan(TimeSpan.FromDays(14)) },
            },
        });
    }

    private static async Task SubmitAsync(PipelineCluster cluster, string id, string source, int day, string title, string body)
    {
        var response = await cluster.IngestClient.SubmitArticleAsync(new SubmitArticleRequest
        {
            Article = new Article
            {
                Id = id,
                SourceId = source,
                Url = $"https://{source}.example/{id}",
                PublishedAt = Timestamp.FromDateTimeOffset(Day0.AddDays(day)),
                Title = title,
                Body = body,
                Language = "en",
            },
        });
        Assert.Equal(SubmissionOutcome.Accepted, response.Outcome);
        await cluster.Progress.WaitForEvaluationAsync(id, Patience, CancellationToken.None);
    }

    /// <summary>A webhook receiver on loopback that answers 200 and hands over each body with its signature and event id.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private Receiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";

        public Channel<(string Body, string Signature, string EventId)> Received { get; } = Channel.CreateUnbounded<(string, string, string)>();

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.Logging.ClearProviders();
            builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.Run(async context =>
            {
                using var reader = new StreamReader(context.Request.Body);
                receiver.Received.Writer.TryWrite((
                    await reader.ReadToEndAsync(),
                    context.Request.Headers["X-NarrativeMonitor-Signature"].ToString(),
                    context.Request.Headers["X-NarrativeMonitor-Event-Id"].ToString()));
            });
            await app.StartAsync();
            receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/hook";
            return receiver;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
