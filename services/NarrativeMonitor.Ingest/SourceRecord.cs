using System.Text.RegularExpressions;
using NarrativeMonitor.Contracts;
using ProtoSource = NarrativeMonitor.Protos.Ingest.V1.Source;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.Ingest;

/// <summary>A registered, normalized source.</summary>
public sealed record SourceRecord(string Id, string Name, SourceKind Kind, string Country, string Language)
{
    public ProtoSource ToProto() => new()
    {
        Id = Id,
        Name = Name,
        Kind = (ProtoSourceKind)Kind,
        Country = Country,
        Language = Language,
    };
}

public static partial class SourceValidator
{
    /// <summary>Validates a source from the API and normalizes it: trimmed name, upper-case country, lower-case language.</summary>
    public static Validated<SourceRecord> Validate(ProtoSource? source)
    {
        if (source is null)
        {
            return IngestError.Invalid("source", "is required");
        }

        if (!SourceIdRegex().IsMatch(source.Id))
        {
            return IngestError.Invalid("source.id", "must be 1 to 64 letters, digits, '.', '_' or '-'");
        }

        var name = TextNormalizer.NormalizeLine(source.Name);
        if (name.Length == 0)
        {
            return IngestError.Invalid("source.name", "is required");
        }

        if (name.Length > IngestLimits.MaxSourceNameCharacters)
        {
            return IngestError.Invalid("source.name", $"must be at most {IngestLimits.MaxSourceNameCharacters} characters");
        }

        if (source.Kind == ProtoSourceKind.Unspecified)
        {
            return IngestError.Invalid("source.kind", "must be specified");
        }

        if (!Enum.IsDefined(source.Kind))
        {
            return IngestError.Invalid("source.kind", $"unknown kind {(int)source.Kind}");
        }

        if (!IsTwoAsciiLetters(source.Country))
        {
            return IngestError.Invalid("source.country", "must be an ISO 3166-1 alpha-2 code, e.g. \"RU\"");
        }

        if (!IsTwoAsciiLetters(source.Language))
        {
            return IngestError.Invalid("source.language", "must be an ISO 639-1 code, e.g. \"ru\"");
        }

        return new SourceRecord(
            source.Id,
            name,
            (SourceKind)source.Kind,
            source.Country.ToUpperInvariant(),
            source.Language.ToLowerInvariant());
    }

    public static bool IsValidId(string id) => SourceIdRegex().IsMatch(id);

    internal static bool IsTwoAsciiLetters(string value) =>
        value.Length == 2 && char.IsAsciiLetter(value[0]) && char.IsAsciiLetter(value[1]);

    [GeneratedRegex(IngestLimits.SourceIdPattern, RegexOptions.CultureInvariant)]
    private static partial Regex SourceIdRegex();
}
