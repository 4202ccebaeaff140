using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Testing;
using Article = NarrativeMonitor.Protos.Ingest.V1.Article;

namespace NarrativeMonitor.Ingest.Tests;

/// <summary>The pipeline records the detected language and links near-duplicates, on the in-memory stores and on Redis.</summary>
public abstract class LanguageAndNearDuplicateIngestTests : IAsyncLifetime
{
    private ServiceProvider _provider = null!;
    private ITestHarness _harness = null!;

    protected abstract void ConfigureStorage(IDictionary<string, string?> configuration);

    public async Task InitializeAsync()
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        var configuration = new Dictionary<string, string?>();
        ConfigureStorage(configuration);
        builder.Configuration.AddInMemoryCollection(configuration);
        builder.Services.AddSingleton<TimeProvider>(new ManualTimeProvider(Samples.Now));
        builder.Services.AddLogging();
        builder.AddIngestServices();
        builder.Services.AddMassTransitTestHarness(bus => bus.AddIngestConsumers());
        _provider = builder.Services.BuildServiceProvider();
        _harness = _provider.GetRequiredService<ITestHarness>();
        await _harness.Start();

        var sources = _provider.GetRequiredService<ISourceStore>();
        await sources.UpsertAsync(Samples.Tass);
        await sources.UpsertAsync(Samples.Reuters);
        await sources.UpsertAsync(new SourceRecord("bbc", "BBC", SourceKind.Independent, "GB", "en"));
        await sources.UpsertAsync(new SourceRecord("ukrinform", "Ukrinform", SourceKind.Official, "UA", "uk"));
    }

    public async Task DisposeAsync()
    {
        await _harness.Stop();
        await _provider.DisposeAsync();
    }

    private async Task<SubmissionResult> Submit(Article article)
    {
        using var scope = _provider.CreateScope();
        return await scope.ServiceProvider.GetRequiredService<ArticleIngestPipeline>().SubmitAsync(article);
    }

    private ArticleIngested Published(string articleId) =>
        _harness.Published.Select<ArticleIngested>().Single(m => m.Context.Message.ArticleId == articleId).Context.Message;

    [Fact]
    public async Task The_detected_language_is_recorded_beside_the_one_supplied()
    {
        // The source says "uk", the text is Russian: the supplied language stays, the detection is recorded next to it.
        var article = Samples.Article(url: "https://ukrinform.example/1", sourceId: "ukrinform", title: "Бои в Курской области",
            body: WireTexts.KurskRussian);
        var result = await Submit(article);

        var message = Published(result.ArticleId!);
        Assert.Equal("uk", message.Language);
        Assert.Equal("Ukrinform", message.SourceName);
        Assert.Equal("ru", message.DetectedLanguage);
        Assert.True(message.LanguageConfidence >= 0.8, $"confidence {message.LanguageConfidence}");
        Assert.Null(message.NearDuplicateOf);
    }

    [Fact]
    public async Task A_syndicated_copy_is_accepted_published_and_linked_to_its_original()
    {
        var original = await Submit(Samples.Article(url: "https://reuters.example/kursk", sourceId: "reuters",
            title: "North Korean troops join fighting in Kursk", body: WireTexts.Kursk));
        var copy = await Submit(Samples.Article(url: "https://bbc.example/news/kursk", sourceId: "bbc",
            title: "Pyongyang's soldiers in combat, US says", body: WireTexts.Kursk.Replace("senior US official", "senior American official")));

        Assert.Equal(IngestOutcome.Accepted, original.Outcome);
        Assert.Equal(IngestOutcome.Accepted, copy.Outcome);
        Assert.Equal(original.ArticleId, copy.NearDuplicateOf);
        var message = Published(copy.ArticleId!);
        Assert.Equal(original.ArticleId, message.NearDuplicateOf);
        Assert.Equal("reuters", message.NearDuplicateOfSourceId);
        Assert.Equal(SourceKind.Wire, message.NearDuplicateOfSourceKind);
        Assert.InRange(message.NearDuplicateSimilarity!.Value, 0.5, 1.0);
        Assert.Equal("en", message.DetectedLanguage);
        Assert.Null(Published(original.ArticleId!).NearDuplicateOf);
    }

    [Fact]
    public async Task An_exact_duplicate_is_still_refused_and_a_different_story_is_not_linked()
    {
        var original = await Submit(Samples.Article(url: "https://reuters.example/kursk", sourceId: "reuters", title: "Kursk", body: WireTexts.Kursk));
        var again = await Submit(Samples.Article(url: "https://bbc.example/kursk", sourceId: "bbc", title: "Kursk", body: WireTexts.Kursk));
        var other = await Submit(Samples.Article(url: "https://bbc.example/sudzha", sourceId: "bbc", title: "Sudzha", body: WireTexts.KurskOtherStory));

        Assert.Equal((IngestOutcome.Duplicate, original.ArticleId), (again.Outcome, again.DuplicateOf));
        Assert.Equal(IngestOutcome.Accepted, other.Outcome);
        Assert.Null(Published(other.ArticleId!).NearDuplicateOf);
    }
}

public sealed class InMemoryLanguageAndNearDuplicateIngestTests : LanguageAndNearDuplicateIngestTests
{
    protected override void ConfigureStorage(IDictionary<string, string?> configuration) => configuration["Storage:Provider"] = "InMemory";
}

[Collection(RedisCollection.Name)]
public sealed class RedisLanguageAndNearDuplicateIngestTests(RedisFixture redis) : LanguageAndNearDuplicateIngestTests
{
    protected override void ConfigureStorage(IDictionary<string, string?> configuration)
    {
        configuration["Storage:Provider"] = "Redis";
        configuration["Storage:RedisConnection"] = redis.ConnectionString;
        configuration["Storage:KeyPrefix"] = RedisFixture.UniquePrefix();
    }
}
