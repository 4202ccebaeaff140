using Microsoft.Extensions.DependencyInjection;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Cli.Replay;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.IntegrationTests;

public sealed class EmbeddedReplayTests
{
    public static TheoryData<string> Corpora() => new(Samples.CorpusNames());

    [Theory]
    [MemberData(nameof(Corpora))]
    public async Task Replay_with_the_hand_labels_raises_exactly_the_expected_alerts(string corpus)
    {
        var loaded = Samples.Load(corpus);
        var labels = new LabelledStanceClassifier(loaded, Path.Combine(Samples.Folder(corpus), "labels.jsonl"));

        var result = await CliCommands.ReplayEmbeddedAsync(loaded, CancellationToken.None, services => services.AddSingleton<IStanceClassifier>(labels));

        Assert.Empty(result.Errors);
        Assert.Equal(Samples.ExpectedAlerts(corpus), Samples.Lines(result.Alerts));
    }

    [Theory]
    [MemberData(nameof(Corpora))]
    public async Task Replay_with_the_shipped_classifier_alerts_the_expected_outlets_for_the_expected_divergences(string corpus)
    {
        var result = await CliCommands.ReplayEmbeddedAsync(Samples.Load(corpus), CancellationToken.None);

        Assert.Empty(result.Errors);
        // Times may differ where the classifier misreads an article (see the README's per-stance accuracy); which outlet
        // diverged, how, and whether the outlet later acknowledged the claim must not.
        Assert.Equal(Samples.ExpectedAlerts(corpus).Select(WithoutTimes).Order(), Samples.Lines(result.Alerts).Select(WithoutTimes).Order());
    }

    /// <summary>The rules classifier (Classification:Classifier=Rules, the fallback and the classifier for other languages).</summary>
    [Theory]
    [MemberData(nameof(Corpora))]
    public async Task Replay_with_the_rules_classifier_alerts_the_expected_outlets_for_the_expected_divergences(string corpus)
    {
        var rules = ClassificationServiceExtensions.CreateClassifier(ClassifierKind.Rules);
        var result = await CliCommands.ReplayEmbeddedAsync(Samples.Load(corpus), CancellationToken.None, services => services.AddSingleton(rules));

        Assert.Empty(result.Errors);
        Assert.Equal(Samples.ExpectedAlerts(corpus).Select(WithoutTimes).Order(), Samples.Lines(result.Alerts).Select(WithoutTimes).Order());
    }

    private static string WithoutTimes(string line)
    {
        var parts = line.Split(' ');
        return $"{parts[0]} {parts[1]} {parts[2]} resolved:{parts[6] != "-"}";
    }

    [Fact]
    public async Task Every_alert_carries_its_evidence_and_none_precedes_confirmation()
    {
        var result = await CliCommands.ReplayEmbeddedAsync(Samples.Load("kursk-2024"), CancellationToken.None);

        Assert.NotEmpty(result.Alerts);
        Assert.All(result.Alerts, alert =>
        {
            Assert.NotEmpty(alert.Evidence.DivergingArticleIds);
            Assert.True(alert.Evidence.ConfirmingArticleIds.Count >= 2);
            Assert.True(alert.RaisedAt.ToDateTimeOffset() >= alert.Evidence.ConfirmedAt.ToDateTimeOffset());
        });
    }

    [Fact]
    public async Task A_hand_label_naming_an_unknown_claim_is_reported_with_its_file_and_line()
    {
        var folder = Directory.CreateTempSubdirectory("nm-labels-");
        var lines = File.ReadLines(Path.Combine(Samples.Folder("kursk-2024"), "labels.jsonl")).Take(2).ToList();
        lines.Add("{\"article_id\": \"hur-001\", \"claim_id\": \"no-such-claim\", \"stance\": \"denies\"}");
        var labels = Path.Combine(folder.FullName, "labels.jsonl");
        await File.WriteAllLinesAsync(labels, lines);

        var error = Assert.Throws<CorpusException>(() => new LabelledStanceClassifier(Samples.Load("kursk-2024"), labels));
        Assert.Contains("labels.jsonl:3: claim_id 'no-such-claim'", error.Message);
    }

    [Fact]
    public async Task A_bad_corpus_line_is_reported_with_its_file_and_line()
    {
        var folder = Directory.CreateTempSubdirectory("nm-corpus-");
        foreach (var file in new[] { Corpus.SourcesFile, Corpus.ClaimsFile })
        {
            File.Copy(Path.Combine(Samples.Folder("kursk-2024"), file), Path.Combine(folder.FullName, file));
        }

        var lines = File.ReadLines(Path.Combine(Samples.Folder("kursk-2024"), Corpus.ArticlesFile)).Take(3).ToList();
        lines.Insert(2, "{\"id\": \"broken\", \"source_id\": ");
        await File.WriteAllLinesAsync(Path.Combine(folder.FullName, Corpus.ArticlesFile), lines);

        var error = Assert.Throws<CorpusException>(() => Corpus.Load(folder.FullName));
        Assert.Contains($"{Corpus.ArticlesFile}:3:", error.Message);
    }
}

[Collection(ServersCollection.Name)]
public sealed class DistributedReplayTests(RedisFixture redis, RabbitMqFixture rabbit)
{
    [Fact]
    public async Task Replay_through_the_distributed_path_gives_the_same_alerts_as_embedded_mode()
    {
        var corpus = Samples.Load("kursk-2024");
        var embedded = await CliCommands.ReplayEmbeddedAsync(corpus, CancellationToken.None);

        await using var cluster = await PipelineCluster.StartAsync(redis, rabbit);
        var distributed = await CliCommands.ReplayDistributedAsync(corpus, cluster.IngestAddress, cluster.ClassificationAddress,
            cluster.AlertsAddress, cluster.RabbitMq, cluster.Prefix, CancellationToken.None);

        Assert.Empty(distributed.Errors);
        Assert.NotEmpty(embedded.Alerts);
        Assert.Equal(Comparable(embedded.Alerts), Comparable(distributed.Alerts));
    }

    private static IReadOnlyList<string> Comparable(IEnumerable<Alert> alerts) =>
        alerts.Select(a => string.Join('|', a.Id, a.ClaimId, a.SourceId, a.Kind, a.Severity, a.State, a.RaisedAt, a.ResolvedAt,
                string.Join(',', a.Evidence.DivergingArticleIds), string.Join(',', a.Evidence.ConfirmingArticleIds)))
            .Order(StringComparer.Ordinal)
            .ToList();
}
