using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.Testing;
using Xunit;
using ContractStance = NarrativeMonitor.Contracts.Stance;
using ProtoAlertKind = NarrativeMonitor.Protos.Common.V1.AlertKind;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.IntegrationTests;

[Collection(ServersCollection.Name)]
public sealed class PipelineTests(RedisFixture redis, RabbitMqFixture rabbit)
{
    private static readonly DateTimeOffset Day0 = new(2024, 11, 1, 9, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private const string ClaimId = "troops-in-region";

    [Fact]
    public async Task Articles_submitted_over_grpc_raise_and_resolve_an_alert_seen_on_the_stream()
    {
        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit, PipelineCluster.WithRulesClassifier);
        await SetUpAsync(cluster);
        using var stream = cluster.AlertsClient.SubscribeAlerts(new SubscribeAlertsRequest { FromBeginning = true });

        await SubmitAsync(cluster, "c1", "ministry", 0, "Defence ministry confirms Northland troops in Westmark",
            "The defence ministry said on Friday that Northland troops are fighting alongside Eastland forces in Westmark province.");
        await SubmitAsync(cluster, "c2", "institute", 1, "Northland soldiers in combat in Westmark",
            "Our analysts confirmed that Northland troops are fighting alongside Eastland forces in Westmark province, based on footage and intercepts.");
        await SubmitAsync(cluster, "d1", "statenews", 2, "Reports of Northland troops are fake",
            "The foreign ministry dismissed claims that Northland troops are fighting in Westmark province as fake, calling them a Western provocation.");

        var raised = await NextEventAsync(stream);
        Assert.Equal(AlertEventType.Raised, raised.Type);
        Assert.Equal(ProtoAlertKind.Denial, raised.Alert.Kind);
        Assert.Equal("statenews", raised.Alert.SourceId);
        Assert.Equal(Day0.AddDays(2), raised.Alert.RaisedAt.ToDateTimeOffset());
        Assert.Equal(["d1"], raised.Alert.Evidence.DivergingArticleIds);
        Assert.Equal(["c1", "c2"], raised.Alert.Evidence.ConfirmingArticleIds);

        await SubmitAsync(cluster, "a1", "statenews", 5, "Northland troops fighting in Westmark, ministry admits",
            "State television acknowledged that Northland troops are fighting alongside Eastland forces in Westmark province under the mutual defence treaty.");

        var resolved = await NextEventAsync(stream);
        Assert.Equal(AlertEventType.Resolved, resolved.Type);
        Assert.Equal(raised.Alert.Id, resolved.Alert.Id);
        Assert.Equal(Day0.AddDays(5), resolved.Alert.ResolvedAt.ToDateTimeOffset());

        // A subscriber that resumes from the first event's cursor sees exactly the second one next.
        using var resumed = cluster.AlertsClient.SubscribeAlerts(new SubscribeAlertsRequest { Cursor = raised.Cursor });
        var next = await NextEventAsync(resumed);
        Assert.Equal(resolved.Cursor, next.Cursor);
    }

    [Fact]
    public async Task A_redelivered_classification_raises_no_second_alert()
    {
        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit, PipelineCluster.WithRulesClassifier);
        await SetUpAsync(cluster);
        await SubmitAsync(cluster, "c1", "ministry", 0, "Defence ministry confirms Northland troops in Westmark",
            "The defence ministry said that Northland troops are fighting alongside Eastland forces in Westmark province.");
        // Worded differently on purpose: a near-copy of the first confirmation would count for the ministry again.
        await SubmitAsync(cluster, "c2", "institute", 1, "Northland soldiers in combat in Westmark",
            "Satellite images and intercepted radio traffic reviewed by our analysts show Northland troops fighting alongside Eastland forces in Westmark province since early November.");

        var denial = new ArticleClassified
        {
            ArticleId = "d1",
            SourceId = "statenews",
            SourceKind = Contracts.SourceKind.StateMedia,
            Url = "https://statenews.example/d1",
            Title = "Fake reports",
            PublishedAt = Day0.AddDays(3),
            IngestedAt = DateTimeOffset.UtcNow,
            ClassifiedAt = DateTimeOffset.UtcNow,
            ClaimsEvaluated = 1,
            Results = [new ClaimStanceResult { ClaimId = ClaimId, Stance = ContractStance.Denies, Confidence = 0.9, Evidence = "It is fake.", Rules = Contracts.ClaimRules.Default }],
        };
        for (var delivery = 0; delivery < 3; delivery++)
        {
            await cluster.Bus.Publish(denial);
        }

        await cluster.Progress.WaitForEvaluationAsync("d1", Patience, CancellationToken.None);
        // The three deliveries are evaluated one after another or concurrently; wait until the alert service is idle.
        await Task.Delay(TimeSpan.FromSeconds(2));

        var alerts = await cluster.AlertsClient.ListAlertsAsync(new ListAlertsRequest { ClaimId = ClaimId });
        var alert = Assert.Single(alerts.Alerts);
        Assert.Equal(ProtoAlertKind.Denial, alert.Kind);

        using var stream = cluster.AlertsClient.SubscribeAlerts(new SubscribeAlertsRequest { FromBeginning = true });
        var first = await NextEventAsync(stream);
        Assert.Equal(alert.Id, first.Alert.Id);
        using var quiet = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        await Assert.ThrowsAnyAsync<Exception>(async () => await stream.ResponseStream.MoveNext(quiet.Token));
    }

    [Fact]
    public async Task A_restarted_alert_service_keeps_its_ledger()
    {
        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit, PipelineCluster.WithRulesClassifier);
        await SetUpAsync(cluster, omissionArticles: 3);
        await SubmitAsync(cluster, "c1", "ministry", 0, "Defence ministry confirms Northland troops in Westmark",
            "The defence ministry said that Northland troops are fighting alongside Eastland forces in Westmark province.");
        // Worded differently on purpose: a near-copy of the first confirmation would count for the ministry again.
        await SubmitAsync(cluster, "c2", "institute", 1, "Northland soldiers in combat in Westmark",
            "Satellite images and intercepted radio traffic reviewed by our analysts show Northland troops fighting alongside Eastland forces in Westmark province since early November.");
        await SubmitAsync(cluster, "o1", "statenews", 2, "Heavy fighting in Westmark province",
            "Eastland forces repelled attacks near the town of Riverford in Westmark province, the defence ministry said. Artillery duels continued overnight.");
        await SubmitAsync(cluster, "o2", "statenews", 3, "Westmark villages retaken",
            "Eastland units retook two villages in Westmark province after days of fighting. Drone strikes hit supply lines near Riverford.");

        await cluster.RestartAlertsAsync();
        Assert.Empty((await cluster.AlertsClient.ListAlertsAsync(new ListAlertsRequest())).Alerts);

        await SubmitAsync(cluster, "o3", "statenews", 4, "Westmark front: shelling continues",
            "Shelling continued along the Westmark province front as Eastland forces held positions near Riverford, local officials said.");

        var alert = Assert.Single((await cluster.AlertsClient.ListAlertsAsync(new ListAlertsRequest())).Alerts);
        Assert.Equal(ProtoAlertKind.Omission, alert.Kind);
        Assert.Equal(Day0.AddDays(4), alert.RaisedAt.ToDateTimeOffset());
        Assert.Equal(["o1", "o2", "o3"], alert.Evidence.DivergingArticleIds);
    }

    [Fact]
    public async Task A_syndicated_copy_does_not_confirm_a_claim_a_second_time()
    {
        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit, PipelineCluster.WithRulesClassifier);
        await SetUpAsync(cluster);
        await cluster.IngestClient.RegisterSourceAsync(new RegisterSourceRequest
        {
            Source = new Protos.Ingest.V1.Source { Id = "wire", Name = "wire", Kind = ProtoSourceKind.Wire, Country = "XX", Language = "en" },
        });
        const string Story = "The defence ministry said that Northland troops are fighting alongside Eastland forces in Westmark province, where they arrived last month.";
        await SubmitAsync(cluster, "c1", "ministry", 0, "Defence ministry confirms Northland troops in Westmark", Story);
        await SubmitAsync(cluster, "c1-copy", "wire", 1, "Northland troops fighting in Westmark, ministry says", Story + " Officials gave no figures.");
        await SubmitAsync(cluster, "d1", "statenews", 2, "Reports of Northland troops are fake",
            "The foreign ministry dismissed claims that Northland troops are fighting in Westmark province as fake, calling them a Western provocation.");

        Assert.Empty((await cluster.AlertsClient.ListAlertsAsync(new ListAlertsRequest())).Alerts);

        await SubmitAsync(cluster, "c2", "institute", 3, "Northland soldiers in combat in Westmark",
            "Satellite images and intercepted radio traffic reviewed by our analysts show Northland troops fighting alongside Eastland forces in Westmark province since early November.");

        var alert = Assert.Single((await cluster.AlertsClient.ListAlertsAsync(new ListAlertsRequest())).Alerts);
        Assert.Equal(ProtoAlertKind.Denial, alert.Kind);
        Assert.Equal(Day0.AddDays(3), alert.RaisedAt.ToDateTimeOffset());
    }

    [Fact]
    public async Task Ingest_rejects_bad_articles_naming_the_field_and_reports_duplicates()
    {
        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit, PipelineCluster.WithRulesClassifier);
        await SetUpAsync(cluster);

        var bad = Article("x1", "statenews", 0, "Title", "Body");
        bad.Url = "not a url";
        var error = await Assert.ThrowsAsync<RpcException>(() => cluster.IngestClient.SubmitArticleAsync(new SubmitArticleRequest { Article = bad }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.StartsWith("article.url", error.Status.Detail);

        var unknown = Article("x2", "nobody", 0, "Title", "Body");
        error = await Assert.ThrowsAsync<RpcException>(() => cluster.IngestClient.SubmitArticleAsync(new SubmitArticleRequest { Article = unknown }).ResponseAsync);
        Assert.StartsWith("article.source_id", error.Status.Detail);

        await SubmitAsync(cluster, "n1", "statenews", 0, "Weather", "Sunny skies are expected across the capital this weekend.");
        var again = await cluster.IngestClient.SubmitArticleAsync(new SubmitArticleRequest { Article = Article("n1", "statenews", 0, "Weather", "Sunny skies are expected across the capital this weekend.") });
        Assert.Equal(SubmissionOutcome.Duplicate, again.Outcome);
        Assert.Equal("n1", again.DuplicateOf);
    }

    [Fact]
    public async Task Every_service_answers_grpc_health_and_http_health()
    {
        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit, PipelineCluster.WithRulesClassifier);
        using var http = new HttpClient();
        foreach (var app in new[] { cluster.Ingest, cluster.Classification, cluster.Alerts })
        {
            using var channel = GrpcChannel.ForAddress(PipelineCluster.Address(app));
            var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest());
            Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

            var ready = await http.GetAsync(new Uri(PipelineCluster.HttpAddress(app), "/health"));
            Assert.True(ready.IsSuccessStatusCode, await ready.Content.ReadAsStringAsync());
            var alive = await http.GetAsync(new Uri(PipelineCluster.HttpAddress(app), "/alive"));
            Assert.True(alive.IsSuccessStatusCode);
        }
    }

    private static async Task SetUpAsync(PipelineCluster cluster, int omissionArticles = 3)
    {
        foreach (var (id, kind) in new[] { ("ministry", ProtoSourceKind.Official), ("institute", ProtoSourceKind.Analysis), ("statenews", ProtoSourceKind.StateMedia) })
        {
            await cluster.IngestClient.RegisterSourceAsync(new RegisterSourceRequest
            {
                Source = new Protos.Ingest.V1.Source { Id = id, Name = id, Kind = kind, Country = "XX", Language = "en" },
            });
        }

        var claim = new Protos.Classification.V1.Claim
        {
            Id = ClaimId,
            Statement = "Northland troops are fighting alongside Eastland forces in Westmark province",
            Topic = "fighting in Westmark province",
            Keywords = { "Northland" },
            TopicKeywords = { "Westmark", "Riverford" },
            Rules = new Protos.Classification.V1.ClaimRules { ConfirmationSources = 2, OmissionArticles = omissionArticles, OmissionWindow = Duration.FromTimeSpan(TimeSpan.FromDays(14)) },
        };
        await cluster.ClassificationClient.CreateClaimAsync(new CreateClaimRequest { Claim = claim });
    }

    private static Article Article(string id, string source, int day, string title, string body) => new()
    {
        Id = id,
        SourceId = source,
        Url = $"https://{source}.example/{id}",
        PublishedAt = Timestamp.FromDateTimeOffset(Day0.AddDays(day)),
        Title = title,
        Body = body,
        Language = "en",
    };

    /// <summary>Submits one article and waits until the alert service has evaluated it.</summary>
    private static async Task SubmitAsync(PipelineCluster cluster, string id, string source, int day, string title, string body)
    {
        var response = await cluster.IngestClient.SubmitArticleAsync(new SubmitArticleRequest { Article = Article(id, source, day, title, body) });
        Assert.Equal(SubmissionOutcome.Accepted, response.Outcome);
        await cluster.Progress.WaitForEvaluationAsync(id, Patience, CancellationToken.None);
    }

    private static async Task<AlertEvent> NextEventAsync(AsyncServerStreamingCall<AlertEvent> stream)
    {
        using var timeout = new CancellationTokenSource(Patience);
        Assert.True(await stream.ResponseStream.MoveNext(timeout.Token), "the alert stream ended");
        return stream.ResponseStream.Current;
    }
}
