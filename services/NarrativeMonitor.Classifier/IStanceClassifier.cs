using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Classifier;

/// <summary>A tracked claim as the classifier sees it.</summary>
public sealed record ClaimDefinition(
    string Id,
    string Statement,
    string Topic,
    IReadOnlyList<string> Keywords,
    IReadOnlyList<string> TopicKeywords);

/// <summary>The text of an article to classify.</summary>
/// <param name="Source">The kind of outlet that published it, when known: the same denial is the line of a state outlet
/// that carries it and a relayed statement in a wire story that reports it.</param>
public sealed record ArticleText(string Title, string Body, string? Language = null, SourceKind Source = SourceKind.Unspecified);

/// <summary>An article's stance toward one claim, with the sentence that shows it.</summary>
public sealed record StanceResult(string ClaimId, Stance Stance, double Confidence, string? Evidence);

/// <summary>A set of claims prepared (indexed) once for many classifications.</summary>
public interface IPreparedClaims
{
    IReadOnlyList<ClaimDefinition> Claims { get; }
}

/// <summary>Decides the stance of articles toward claims. Implementations are thread-safe.</summary>
public interface IStanceClassifier
{
    /// <summary>Prepares claims for classification (term index, vectors). Called when the active claims change.</summary>
    IPreparedClaims Prepare(IReadOnlyList<ClaimDefinition> claims);

    /// <summary>
    /// The article's stance toward each prepared claim it is related to; claims it is unrelated to (neither the claim
    /// nor its topic) are left out.
    /// </summary>
    IReadOnlyList<StanceResult> Classify(ArticleText article, IPreparedClaims claims);
}
