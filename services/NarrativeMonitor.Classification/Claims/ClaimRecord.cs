using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Classification.Claims;

public enum ClaimStatus
{
    Active = 1,
    Retired = 2,
}

/// <summary>A tracked claim as stored: its content, its alert rules (defaults filled in), status and times.</summary>
public sealed record ClaimRecord
{
    public required string Id { get; init; }
    public required string Statement { get; init; }
    public required string Topic { get; init; }
    public IReadOnlyList<string> Keywords { get; init; } = [];
    public IReadOnlyList<string> TopicKeywords { get; init; } = [];
    public ClaimRules Rules { get; init; } = ClaimRules.Default;
    public ClaimStatus Status { get; init; } = ClaimStatus.Active;
    public DateTimeOffset CreatedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }

    public ClaimDefinition ToDefinition() => new(Id, Statement, Topic, Keywords, TopicKeywords);

    /// <summary>This claim with the content (statement, topic, keywords, rules) of <paramref name="content"/>.</summary>
    public ClaimRecord WithContentOf(ClaimRecord content, DateTimeOffset updatedAt) => this with
    {
        Statement = content.Statement,
        Topic = content.Topic,
        Keywords = content.Keywords,
        TopicKeywords = content.TopicKeywords,
        Rules = content.Rules,
        UpdatedAt = updatedAt,
    };
}
