namespace NarrativeMonitor.Ingest;

/// <summary>Every limit ingest enforces on sources and articles, in one place.</summary>
public static class IngestLimits
{
    /// <summary>(\z rather than $, which would let a trailing newline through.) Source ids: letters, digits, '.', '_' and '-', 1 to 64 characters (ingest.proto).</summary>
    public const string SourceIdPattern = @"^[A-Za-z0-9._-]{1,64}\z";

    /// <summary>Caller-chosen article ids: letters, digits, '.', '_', ':' and '-', 1 to 128 characters.</summary>
    public const string ArticleIdPattern = @"^[A-Za-z0-9._:-]{1,128}\z";

    /// <summary>Source names after normalization.</summary>
    public const int MaxSourceNameCharacters = 200;

    /// <summary>Article URLs after normalization; longer ones are almost always tracking junk or abuse.</summary>
    public const int MaxUrlCharacters = 4096;

    /// <summary>Titles after normalization.</summary>
    public const int MaxTitleCharacters = 1_000;

    /// <summary>Bodies after normalization (ingest.proto: at most 200,000 characters).</summary>
    public const int MaxBodyCharacters = 200_000;

    /// <summary>How far in the future an article's published time may lie, for clocks that disagree a little.</summary>
    public static readonly TimeSpan MaxPublishedInFuture = TimeSpan.FromHours(1);

    /// <summary>The earliest published time accepted: earlier ones are unset or corrupt timestamps.</summary>
    public static readonly DateTimeOffset EarliestPublishedAt = new(1990, 1, 1, 0, 0, 0, TimeSpan.Zero);

    /// <summary>Hex digits of the SHA-256 of source id and URL kept in a derived article id ("a-" + these).</summary>
    public const int DerivedIdHexDigits = 20;
}
