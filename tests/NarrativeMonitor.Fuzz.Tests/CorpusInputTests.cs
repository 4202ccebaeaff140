using NarrativeMonitor.Cli;
using Xunit;

namespace NarrativeMonitor.Fuzz.Tests;

/// <summary>Bad corpus folders: every problem names its file and line, and nothing is submitted past a bad definition.</summary>
public sealed class CorpusInputTests : IDisposable
{
    private const string Sources = """
        [
          {"id": "wire", "name": "Wire", "kind": "wire", "country": "US", "language": "en"},
          {"id": "state", "name": "State TV", "kind": "state_media", "country": "RU", "language": "en"}
        ]
        """;

    private const string Claims = """
        [
          {"id": "troops", "statement": "Northland troops are fighting in Westmark province", "topic": "fighting in Westmark province"}
        ]
        """;

    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("nm-bad-corpus-");

    public void Dispose() => _folder.Delete(recursive: true);

    private static string Article(string id, string source, int day, string body = "Officials said Northland troops are fighting in Westmark province.") =>
        $$"""{"id": "{{id}}", "source_id": "{{source}}", "url": "https://news.example/{{id}}", "published_at": "2024-11-{{day:00}}T09:00:00Z", "title": "Report {{id}}", "body": "{{body}}"}""";

    private string Write(string? sources = null, string? claims = null, params string[] articles)
    {
        File.WriteAllText(Path.Combine(_folder.FullName, Corpus.SourcesFile), sources ?? Sources);
        File.WriteAllText(Path.Combine(_folder.FullName, Corpus.ClaimsFile), claims ?? Claims);
        File.WriteAllLines(Path.Combine(_folder.FullName, Corpus.ArticlesFile), articles);
        return _folder.FullName;
    }

    private static string LoadError(string folder) => Assert.Throws<CorpusException>(() => Corpus.Load(folder)).Message;

    public static TheoryData<string, string> BadArticleLines => new()
    {
        { "{\"id\": \"a2\", \"source_id\": ", "invalid JSON" },
        { "not json at all", "invalid JSON" },
        { "[1, 2, 3]", "invalid JSON" },
        { "null", "expected a JSON object" },
        { "{\"id\": 5, \"source_id\": \"wire\"}", "invalid JSON" },
        { "{\"id\": \"a2\", \"source_id\": [\"wire\"]}", "invalid JSON" },
        { Article("a2", "nobody", 2), "source_id 'nobody' is not in sources.json" },
        { Article("a1", "wire", 2), "id 'a1' appears twice" },
        { Article("a2", "wire", 2).Replace("2024-11-02T09:00:00Z", "yesterday", StringComparison.Ordinal), "published_at 'yesterday' is not an RFC 3339 time" },
        { Article("a2", "wire", 2).Replace("\"title\": \"Report a2\"", "\"title\": \"\"", StringComparison.Ordinal), "title is required" },
        { new string('[', 100_000) + new string(']', 100_000), "invalid JSON" },
        { "{\"id\": \"a2\", \"x\": " + new string('[', 10_000) + new string(']', 10_000) + "}", "invalid JSON" },
    };

    [Theory]
    [MemberData(nameof(BadArticleLines))]
    public void A_bad_article_line_is_reported_with_file_and_line(string line, string problem)
    {
        var folder = Write(null, null, Article("a1", "wire", 1), "", line, Article("a3", "state", 3));

        var error = LoadError(folder);

        Assert.StartsWith($"{Path.Combine(folder, Corpus.ArticlesFile)}:3: ", error, StringComparison.Ordinal);
        Assert.Contains(problem, error, StringComparison.Ordinal);
        // A message, not a dump: the nesting bombs are not echoed back.
        Assert.True(error.Length < 1_000, error);
    }

    [Fact]
    public void A_bad_source_is_reported_with_the_line_it_starts_on()
    {
        var sources = Sources.Replace("\"kind\": \"state_media\"", "\"kind\": \"tabloid\"", StringComparison.Ordinal);

        var error = LoadError(Write(sources, null, Article("a1", "wire", 1)));

        Assert.StartsWith($"{Path.Combine(_folder.FullName, Corpus.SourcesFile)}:3: source #2 (state): kind 'tabloid'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_source_of_the_wrong_type_is_reported_with_its_line()
    {
        var sources = Sources.Replace("\"country\": \"RU\"", "\"country\": {\"code\": \"RU\"}", StringComparison.Ordinal);

        var error = LoadError(Write(sources, null, Article("a1", "wire", 1)));

        Assert.StartsWith($"{Path.Combine(_folder.FullName, Corpus.SourcesFile)}:3: invalid JSON", error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_claim_without_a_statement_is_reported_with_its_line()
    {
        var claims = "[\n  {\"id\": \"ok\", \"statement\": \"s\", \"topic\": \"t\"},\n\n  {\"id\": \"bad\",\n   \"topic\": \"t\"}\n]";

        var error = LoadError(Write(null, claims, Article("a1", "wire", 1)));

        Assert.Equal($"{Path.Combine(_folder.FullName, Corpus.ClaimsFile)}:4: claim #2: statement is required", error);
    }

    [Fact]
    public async Task A_claim_the_service_refuses_stops_the_replay_naming_its_line_before_any_article_is_submitted()
    {
        var claims = "[\n  {\"id\": \"troops\", \"statement\": \"s\", \"topic\": \"t\", \"rules\": {\"confirmation_sources\": -3}}\n]";
        var corpus = Corpus.Load(Write(null, claims, Article("a1", "wire", 1)));

        var error = await Assert.ThrowsAsync<CorpusException>(() => CliCommands.ReplayEmbeddedAsync(corpus, CancellationToken.None));

        Assert.StartsWith($"{Path.Combine(_folder.FullName, Corpus.ClaimsFile)}:2: claim 'troops' refused: claim.rules.confirmation_sources", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_article_the_service_refuses_is_reported_with_its_line_and_every_other_article_goes_through()
    {
        var tooLong = string.Concat(Enumerable.Repeat("Northland troops are fighting in Westmark province. ", 5_000));
        var corpus = Corpus.Load(Write(null, null,
            Article("a1", "wire", 1),
            Article("a2", "wire", 2, tooLong),
            Article("a3", "state", 3, "The agency reported on Tuesday that Northland troops are fighting in Westmark province."),
            Article("a4", "wire", 4).Replace("https://news.example/a4", "javascript:alert(1)", StringComparison.Ordinal),
            Article("a5", "state", 5, "State television said Northland troops are fighting in Westmark province.")));

        var result = await CliCommands.ReplayEmbeddedAsync(corpus, CancellationToken.None);

        Assert.Equal(5, result.Submitted);
        Assert.Equal(3, result.Accepted);
        Assert.Collection(result.Errors,
            e => Assert.StartsWith($"{Corpus.ArticlesFile}:2: article.body", e, StringComparison.Ordinal),
            e => Assert.StartsWith($"{Corpus.ArticlesFile}:4: article.url", e, StringComparison.Ordinal));
    }
}
