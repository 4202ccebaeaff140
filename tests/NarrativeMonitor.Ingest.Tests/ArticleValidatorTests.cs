using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Contracts;
using Article = NarrativeMonitor.Protos.Ingest.V1.Article;

namespace NarrativeMonitor.Ingest.Tests;

public sealed class ArticleValidatorTests
{
    private readonly ArticleValidator _validator = new(new ManualTimeProvider(Samples.Now));

    private NormalizedArticle Valid(Article article)
    {
        var result = _validator.Validate(article, Samples.Tass);
        Assert.Null(result.Error);
        return result.Value!;
    }

    private IngestError Invalid(Article? article, SourceRecord? source = null)
    {
        var result = _validator.Validate(article, source ?? Samples.Tass);
        Assert.Null(result.Value);
        Assert.NotNull(result.Error);
        Assert.Equal(StatusCode.InvalidArgument, result.Error.Code);
        Assert.StartsWith(result.Error.Field + ": ", result.Error.Message);
        return result.Error;
    }

    [Fact]
    public void A_valid_article_is_normalized_with_its_source_kind_and_language()
    {
        var article = Valid(Samples.Article());

        Assert.Equal("tass", article.SourceId);
        Assert.Equal(SourceKind.StateMedia, article.SourceKind);
        Assert.Equal("https://tass.ru/politika/1", article.Url);
        Assert.Equal(Samples.Now.AddHours(-2), article.PublishedAt);
        Assert.Equal("ru", article.Language);
        Assert.Matches("^[0-9a-f]{64}$", article.ContentHash);
    }

    [Fact]
    public void Missing_article_names_the_article()
    {
        Assert.Equal("article", Invalid(null).Field);
    }

    [Fact]
    public void Missing_source_id_is_rejected()
    {
        var error = Invalid(Samples.Article(sourceId: ""));
        Assert.Equal("article.source_id", error.Field);
        Assert.Equal("article.source_id: is required", error.Message);
    }

    [Fact]
    public void Unknown_source_is_rejected_naming_it()
    {
        var error = _validator.Validate(Samples.Article(sourceId: "nope"), null).Error;
        Assert.NotNull(error);
        Assert.Equal(StatusCode.InvalidArgument, error.Code);
        Assert.Equal("article.source_id: unknown source 'nope'", error.Message);
    }

    [Fact]
    public void A_source_that_is_not_the_named_one_counts_as_unknown()
    {
        Assert.Equal("article.source_id", Invalid(Samples.Article(sourceId: "reuters"), Samples.Tass).Field);
    }

    [Theory]
    [InlineData("has space")]
    [InlineData("slash/id")]
    [InlineData("trailing-newline\n")]
    public void Malformed_article_id_is_rejected(string id)
    {
        Assert.Equal("article.id", Invalid(Samples.Article(id: id)).Field);
    }

    [Fact]
    public void A_given_article_id_is_kept()
    {
        Assert.Equal("tass:2024-12-20:1", Valid(Samples.Article(id: "tass:2024-12-20:1")).Id);
    }

    [Fact]
    public void An_empty_id_is_derived_stably_from_source_and_normalized_url()
    {
        var first = Valid(Samples.Article(url: "https://TASS.ru:443/politika/1#top"));
        var second = Valid(Samples.Article(url: "https://tass.ru/politika/1?utm_source=x", title: "Another title"));
        var other = Valid(Samples.Article(url: "https://tass.ru/politika/2"));

        Assert.Matches("^a-[0-9a-f]{20}$", first.Id);
        Assert.Equal(first.Id, second.Id);
        Assert.NotEqual(first.Id, other.Id);
        Assert.Equal(ArticleValidator.DeriveId("tass", "https://tass.ru/politika/1"), first.Id);
    }

    [Theory]
    [InlineData("")]
    [InlineData("tass.ru/politika/1")]
    [InlineData("/politika/1")]
    [InlineData("ftp://tass.ru/file")]
    [InlineData("javascript:alert(1)")]
    [InlineData("file:///etc/passwd")]
    [InlineData("http://")]
    public void Url_that_is_not_absolute_http_is_rejected(string url)
    {
        var error = Invalid(Samples.Article(url: url));
        Assert.Equal("article.url", error.Field);
    }

    [Fact]
    public void Overlong_url_is_rejected()
    {
        var error = Invalid(Samples.Article(url: "https://tass.ru/" + new string('a', IngestLimits.MaxUrlCharacters)));
        Assert.Equal("article.url", error.Field);
    }

    [Theory]
    [InlineData("HTTPS://Tass.RU/Politika/1", "https://tass.ru/Politika/1")]
    [InlineData("https://tass.ru:443/a", "https://tass.ru/a")]
    [InlineData("http://tass.ru:80/a", "http://tass.ru/a")]
    [InlineData("http://tass.ru:8080/a", "http://tass.ru:8080/a")]
    [InlineData("https://tass.ru/a#section-2", "https://tass.ru/a")]
    [InlineData("https://tass.ru/a?id=7&utm_source=tg&UTM_Medium=x&page=2", "https://tass.ru/a?id=7&page=2")]
    [InlineData("https://tass.ru/a?utm_source=tg", "https://tass.ru/a")]
    [InlineData("https://tass.ru", "https://tass.ru/")]
    [InlineData("  https://tass.ru/a  ", "https://tass.ru/a")]
    public void Url_is_normalized(string url, string expected)
    {
        Assert.Equal(expected, UrlNormalizer.Normalize(url));
    }

    [Fact]
    public void Missing_published_at_is_rejected()
    {
        var article = Samples.Article();
        article.PublishedAt = null;
        Assert.Equal("article.published_at: is required", Invalid(article).Message);
    }

    [Fact]
    public void Published_more_than_an_hour_ahead_is_rejected_but_within_the_hour_is_accepted()
    {
        var article = Samples.Article();
        article.PublishedAt = Timestamp.FromDateTimeOffset(Samples.Now.AddMinutes(61));
        Assert.Equal("article.published_at", Invalid(article).Field);

        article.PublishedAt = Timestamp.FromDateTimeOffset(Samples.Now.AddMinutes(59));
        Assert.Equal(Samples.Now.AddMinutes(59), Valid(article).PublishedAt);
    }

    [Fact]
    public void Published_before_1990_is_rejected()
    {
        var article = Samples.Article();
        article.PublishedAt = new Timestamp();
        Assert.Equal("article.published_at", Invalid(article).Field);
    }

    [Fact]
    public void Malformed_timestamp_is_rejected()
    {
        var article = Samples.Article();
        article.PublishedAt = new Timestamp { Seconds = 1_700_000_000, Nanos = -5 };
        Assert.Equal("article.published_at", Invalid(article).Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("   \t\n ")]
    [InlineData("\u0000\u0007")]
    public void Blank_title_is_rejected(string title)
    {
        Assert.Equal("article.title: is required", Invalid(Samples.Article(title: title)).Message);
    }

    [Fact]
    public void Title_of_1000_characters_is_accepted_and_1001_rejected()
    {
        Valid(Samples.Article(title: new string('t', IngestLimits.MaxTitleCharacters)));
        Assert.Equal("article.title", Invalid(Samples.Article(title: new string('t', IngestLimits.MaxTitleCharacters + 1))).Field);
    }

    [Fact]
    public void Blank_body_is_rejected()
    {
        Assert.Equal("article.body: is required", Invalid(Samples.Article(body: " \r\n ")).Message);
    }

    [Fact]
    public void Body_of_200000_characters_is_accepted_and_one_more_rejected()
    {
        Valid(Samples.Article(body: new string('b', IngestLimits.MaxBodyCharacters)));
        Assert.Equal("article.body", Invalid(Samples.Article(body: new string('b', IngestLimits.MaxBodyCharacters + 1))).Field);
        Assert.Equal("article.body", Invalid(Samples.Article(body: new string('b', 3 * IngestLimits.MaxBodyCharacters))).Field);
    }

    [Theory]
    [InlineData("rus")]
    [InlineData("r")]
    [InlineData("r1")]
    public void Malformed_language_is_rejected(string language)
    {
        var article = Samples.Article();
        article.Language = language;
        Assert.Equal("article.language", Invalid(article).Field);
    }

    [Fact]
    public void Language_is_lower_cased()
    {
        var article = Samples.Article();
        article.Language = "EN";
        Assert.Equal("en", Valid(article).Language);
    }

    [Fact]
    public void Title_and_body_are_normalized()
    {
        // "e" + combining acute (NFD) composes to "é"; the BOM, zero-width space and bell character disappear.
        var article = Valid(Samples.Article(
            title: "  \uFEFFCafe\u0301\u200B   news\u0007\t today ",
            body: "First  line\r\nsecond\t\tline\n\n\n\nNew   paragraph \u2028 end"));

        Assert.Equal("Café news today", article.Title);
        Assert.Equal("First line\nsecond line\n\nNew paragraph\nend", article.Body);
    }

    [Fact]
    public void Reformatted_copies_hash_equal()
    {
        var original = Valid(Samples.Article(
            title: "North Korean troops in Kursk",
            body: "U.S. officials said: \"North Korean troops are fighting in Kursk.\"\n\nThe ministry declined to comment."));
        var reformatted = Valid(Samples.Article(
            url: "https://mirror.example/copy",
            title: "NORTH KOREAN TROOPS IN KURSK!",
            body: "U.S. officials said — «North Korean troops are fighting in Kursk» \r\n The ministry declined to comment"));

        Assert.Equal(original.ContentHash, reformatted.ContentHash);
        Assert.Equal(original.ContentHash, TextNormalizer.ContentHash("north korean troops in kursk",
            "u s officials said north korean troops are fighting in kursk the ministry declined to comment"));
    }

    [Fact]
    public void Full_width_and_decomposed_forms_hash_equal()
    {
        Assert.Equal(
            TextNormalizer.ContentHash("Ｋｕｒｓｋ", "Café"),
            TextNormalizer.ContentHash("kursk", "Cafe\u0301"));
    }

    [Theory]
    [InlineData("North Korean troops in Kursk", "Troops are fighting.", "North Korean troops in Kursk", "Troops are not fighting.")]
    [InlineData("North Korean troops in Kursk", "Troops are fighting.", "North Korean troops in Kursk", "Troops are fighting 2.")]
    [InlineData("Kursk", "troops fighting", "Kursk troops", "fighting")]
    public void Different_text_hashes_differ(string title1, string body1, string title2, string body2)
    {
        Assert.NotEqual(TextNormalizer.ContentHash(title1, body1), TextNormalizer.ContentHash(title2, body2));
    }
}
