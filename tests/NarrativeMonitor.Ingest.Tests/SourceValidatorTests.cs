using NarrativeMonitor.Contracts;
using ProtoSource = NarrativeMonitor.Protos.Ingest.V1.Source;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.Ingest.Tests;

public sealed class SourceValidatorTests
{
    private static ProtoSource Tass() => new()
    {
        Id = "tass",
        Name = "  TASS  ",
        Kind = ProtoSourceKind.StateMedia,
        Country = "ru",
        Language = "RU",
    };

    [Fact]
    public void A_valid_source_is_normalized()
    {
        var result = SourceValidator.Validate(Tass());
        Assert.Null(result.Error);
        Assert.Equal(new SourceRecord("tass", "TASS", SourceKind.StateMedia, "RU", "ru"), result.Value);
    }

    [Fact]
    public void Missing_source_is_rejected()
    {
        Assert.Equal("source", SourceValidator.Validate(null).Error?.Field);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("ru/tass")]
    [InlineData("tass\n")]
    [InlineData("x12345678901234567890123456789012345678901234567890123456789012345")]
    public void Malformed_id_is_rejected(string id)
    {
        var source = Tass();
        source.Id = id;
        AssertRejected(source, "source.id");
    }

    [Theory]
    [InlineData("ria.novosti_2-ru")]
    [InlineData("x1234567890123456789012345678901234567890123456789012345678901")]
    public void Id_of_allowed_characters_is_accepted(string id)
    {
        var source = Tass();
        source.Id = id;
        Assert.Null(SourceValidator.Validate(source).Error);
    }

    [Fact]
    public void Blank_name_is_rejected()
    {
        var source = Tass();
        source.Name = " \t ";
        AssertRejected(source, "source.name");
    }

    [Fact]
    public void Unspecified_or_unknown_kind_is_rejected()
    {
        var source = Tass();
        source.Kind = ProtoSourceKind.Unspecified;
        Assert.Equal("source.kind: must be specified", AssertRejected(source, "source.kind").Message);
        source.Kind = (ProtoSourceKind)42;
        AssertRejected(source, "source.kind");
    }

    [Theory]
    [InlineData("")]
    [InlineData("RUS")]
    [InlineData("R1")]
    public void Malformed_country_is_rejected(string country)
    {
        var source = Tass();
        source.Country = country;
        AssertRejected(source, "source.country");
    }

    [Theory]
    [InlineData("")]
    [InlineData("rus")]
    [InlineData("ру")]
    public void Malformed_language_is_rejected(string language)
    {
        var source = Tass();
        source.Language = language;
        AssertRejected(source, "source.language");
    }

    private static IngestError AssertRejected(ProtoSource source, string field)
    {
        var error = SourceValidator.Validate(source).Error;
        Assert.NotNull(error);
        Assert.Equal(field, error.Field);
        Assert.StartsWith(field + ": ", error.Message);
        return error;
    }
}
