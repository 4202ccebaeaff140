using System.Text.Json;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Cli.Replay;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Testing;
using Xunit;
using Xunit.Abstractions;
using ProtoAlertKind = NarrativeMonitor.Protos.Common.V1.AlertKind;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.IntegrationTests;

/// <summary>
/// What an analyst sees after the Kursk corpus is replayed through the distributed services (real gRPC, Redis and
/// RabbitMQ), classified with the hand labels so every figure can be recomputed from the corpus files.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AnalystWorkflowTests(RedisFixture redis, RabbitMqFixture rabbit, ITestOutputHelper output)
{
    private const string Corpus = "kursk-2024";

    [Fact]
    public async Task Replayed_alerts_are_explained_carry_an_audit_trail_and_the_timeline_matches_the_labels()
    {
        var corpus = Samples.Load(Corpus);
        var labelsPath = Path.Combine(Samples.Folder(Corpus), "labels.jsonl");
        var classifier = new LabelledStanceClassifier(corpus, labelsPath);
        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit, (service, builder) =>
        {
            if (service == HostedService.Classification)
            {
                builder.Services.AddSingleton<IStanceClassifier>(classifier);
            }
        });

        var replay = await cluster.Replayer().ReplayAsync(corpus);

        Assert.Empty(replay.Errors);
        Assert.Equal(Samples.ExpectedAlerts(Corpus), Samples.Lines(replay.Alerts));
        foreach (var alert in replay.Alerts)
        {
            output.WriteLine($"{alert.SourceId} {alert.Kind}: {alert.Explanation.Summary}");
        }

        var claim = Assert.Single(corpus.Claims);
        var articles = corpus.Articles.ToDictionary(a => a.Id, StringComparer.Ordinal);
        var sources = corpus.Sources.ToDictionary(s => s.Id, StringComparer.Ordinal);
        var labels = ReadLabels(labelsPath);

        // The explanation of TASS's omission, recomputed from the corpus.
        var omission = Assert.Single(replay.Alerts, a => a.SourceId == "tass" && a.Kind == ProtoAlertKind.Omission);
        var explanation = omission.Explanation;
        var firstSilent = explanation.DivergingArticles[0].PublishedAt.ToDateTimeOffset();
        var silentArticles = labels
            .Where(l => l.ClaimId == claim.Id && l.Stance == "omits" && articles[l.ArticleId].SourceId == "tass" && articles[l.ArticleId].PublishedAt >= firstSilent)
            .Select(l => articles[l.ArticleId])
            .OrderBy(a => a.PublishedAt).ThenBy(a => a.Id, StringComparer.Ordinal)
            .ToList();
        Assert.True(silentArticles.Count >= 3);
        Assert.Equal(silentArticles.Select(a => a.Id), explanation.DivergingArticles.Select(a => a.ArticleId));
        Assert.Equal(silentArticles.Select(a => a.Url), explanation.DivergingArticles.Select(a => a.Url));
        Assert.Equal(silentArticles.Select(a => a.Title), explanation.DivergingArticles.Select(a => a.Title));
        Assert.Equal(silentArticles.Count, explanation.OnTopicArticleCount);
        Assert.Equal(silentArticles[^1].PublishedAt, explanation.WindowEnd.ToDateTimeOffset());
        Assert.Equal(claim.Statement, explanation.ClaimStatement);
        Assert.Equal(claim.Topic, explanation.ClaimTopic);
        Assert.StartsWith(
            $"{sources["tass"].Name} published {silentArticles.Count} articles on {claim.Topic} " +
            $"{NarrativeMonitor.Alerts.AlertExplanations.Range(silentArticles[0].PublishedAt, silentArticles[^1].PublishedAt)} without mentioning that {claim.Statement}, after ",
            explanation.Summary);
        Assert.Equal(omission.Evidence.ConfirmingArticleIds, explanation.ConfirmingArticles.Select(a => a.ArticleId));
        Assert.Equal(2, explanation.ConfirmingArticles.Count);
        foreach (var confirming in explanation.ConfirmingArticles)
        {
            var article = articles[confirming.ArticleId];
            Assert.Equal((article.Url, article.Title, article.SourceId), (confirming.Url, confirming.Title, confirming.SourceId));
            Assert.Contains($"{NarrativeMonitor.Alerts.AlertExplanations.ShortName(article.SourceId, sources[article.SourceId].Name)} ({NarrativeMonitor.Alerts.AlertExplanations.Date(article.PublishedAt)})",
                explanation.Summary);
        }

        // The outlet's own acknowledgement resolved Rossiyskaya Gazeta's alerts, naming the article.
        var resolvedByOutlet = Assert.Single(replay.Alerts, a => a.SourceId == "rg" && a.Kind == ProtoAlertKind.Omission);
        Assert.Equal("", resolvedByOutlet.ResolvedBy);
        Assert.Contains(articles[resolvedByOutlet.ResolvingArticleId].Title, resolvedByOutlet.ResolutionReason);
        Assert.Equal([(AlertEventType.Raised, "system"), (AlertEventType.Resolved, "system")], resolvedByOutlet.Audit.Select(a => (a.Type, a.Actor)));

        // An analyst acknowledges and then resolves TASS's omission: an audit trail and events on the stream.
        var client = cluster.AlertsClient;
        var acknowledged = await client.AcknowledgeAlertAsync(new AcknowledgeAlertRequest { Id = omission.Id, Analyst = "ana", Note = "checking the archive" });
        var resolved = await client.ResolveAlertAsync(new ResolveAlertRequest { Id = omission.Id, Analyst = "bob", Reason = "TASS mentioned it on radio" });
        var again = await client.ResolveAlertAsync(new ResolveAlertRequest { Id = omission.Id, Analyst = "carol", Reason = "again" });
        var stored = await client.GetAlertAsync(new GetAlertRequest { Id = omission.Id });

        Assert.Equal(AlertState.Acknowledged, acknowledged.State);
        Assert.Equal(AlertState.Resolved, stored.State);
        Assert.Equal(("bob", "TASS mentioned it on radio"), (stored.ResolvedBy, stored.ResolutionReason));
        Assert.Equal(resolved, again);
        Assert.Equal(
            [(AlertEventType.Raised, "system", ""), (AlertEventType.Acknowledged, "ana", "checking the archive"), (AlertEventType.Resolved, "bob", "TASS mentioned it on radio")],
            stored.Audit.Select(a => (a.Type, a.Actor, a.Type == AlertEventType.Raised ? "" : a.Note)));
        var error = await Assert.ThrowsAsync<RpcException>(() => client.ResolveAlertAsync(new ResolveAlertRequest { Id = omission.Id, Analyst = "bob" }).ResponseAsync);
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);

        using var cancellation = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        using var stream = client.SubscribeAlerts(new SubscribeAlertsRequest
        {
            FromBeginning = true, ClaimId = claim.Id, SourceId = "tass", Kind = ProtoAlertKind.Omission,
        }, cancellationToken: cancellation.Token);
        var events = new List<AlertEvent>();
        while (events.Count < 3 && await stream.ResponseStream.MoveNext(cancellation.Token))
        {
            events.Add(stream.ResponseStream.Current);
        }

        Assert.Equal([AlertEventType.Raised, AlertEventType.Acknowledged, AlertEventType.Resolved], events.Select(e => e.Type));
        Assert.All(events, e => Assert.Equal(omission.Id, e.Alert.Id));
        Assert.Equal("bob", events[2].Alert.ResolvedBy);
        var filtered = await client.ListAlertsAsync(new ListAlertsRequest
        {
            ClaimId = claim.Id, SourceId = "tass", Kind = ProtoAlertKind.Omission, State = AlertState.Resolved,
            RaisedAfter = omission.RaisedAt, RaisedBefore = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTimeOffset(omission.RaisedAt.ToDateTimeOffset().AddSeconds(1)),
        });
        Assert.Equal([omission.Id], filtered.Alerts.Select(a => a.Id));

        // The timeline: per outlet and UTC day, the stances the labels give.
        var timeline = await client.GetClaimTimelineAsync(new GetClaimTimelineRequest { ClaimId = claim.Id });
        var expected = labels
            .Where(l => l.ClaimId == claim.Id && l.Stance != "unrelated")
            .GroupBy(l => (articles[l.ArticleId].SourceId, Day: articles[l.ArticleId].PublishedAt.UtcDateTime.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture), l.Stance))
            .ToDictionary(g => $"{g.Key.SourceId} {g.Key.Day} {g.Key.Stance}", g => g.Count());
        var actual = new Dictionary<string, int>();
        foreach (var outlet in timeline.Outlets)
        {
            foreach (var day in outlet.Days)
            {
                foreach (var (stance, count) in new[] { ("acknowledges", day.Acknowledges), ("denies", day.Denies), ("deflects", day.Deflects), ("discusses", day.Discusses), ("omits", day.Omits) })
                {
                    if (count > 0)
                    {
                        actual[$"{outlet.SourceId} {day.Date} {stance}"] = count;
                    }
                }
            }
        }

        Assert.Equal(expected.OrderBy(e => e.Key, StringComparer.Ordinal), actual.OrderBy(e => e.Key, StringComparer.Ordinal));
        var stateOutlets = timeline.Outlets.SkipWhile(o => o.SourceKind != ProtoSourceKind.StateMedia).ToList();
        Assert.All(stateOutlets, o => Assert.Equal(ProtoSourceKind.StateMedia, o.SourceKind));
        Assert.NotEmpty(stateOutlets);
        Assert.Equal(timeline.Outlets.Select(o => o.SourceId).Except(stateOutlets.Select(o => o.SourceId)).Order(StringComparer.Ordinal),
            timeline.Outlets.Take(timeline.Outlets.Count - stateOutlets.Count).Select(o => o.SourceId));
        Assert.Equal(omission.Evidence.ConfirmedAt, timeline.ConfirmedAt);
    }

    private sealed record Label(string ArticleId, string ClaimId, string Stance);

    private static List<Label> ReadLabels(string path) =>
        File.ReadLines(path)
            .Where(line => !string.IsNullOrWhiteSpace(line))
            .Select(line =>
            {
                using var document = JsonDocument.Parse(line);
                var root = document.RootElement;
                return new Label(root.GetProperty("article_id").GetString()!, root.GetProperty("claim_id").GetString()!,
                    root.GetProperty("stance").GetString()!.ToLowerInvariant());
            })
            .ToList();
}
