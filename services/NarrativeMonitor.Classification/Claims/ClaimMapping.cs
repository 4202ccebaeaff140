using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Contracts;
using ProtoClaim = NarrativeMonitor.Protos.Classification.V1.Claim;
using ProtoClaimRules = NarrativeMonitor.Protos.Classification.V1.ClaimRules;
using ProtoClaimStatus = NarrativeMonitor.Protos.Classification.V1.ClaimStatus;

namespace NarrativeMonitor.Classification.Claims;

/// <summary>Validates claims arriving over gRPC (InvalidArgument naming the field) and maps them both ways.</summary>
public static partial class ClaimMapping
{
    public const int MaxStatementLength = 1_000;
    public const int MaxTopicLength = 500;
    public const int MaxKeywords = 100;
    public const int MaxKeywordLength = 200;
    public const int MaxIdLength = 64;
    public static readonly TimeSpan MinOmissionWindow = TimeSpan.FromHours(1);
    public static readonly TimeSpan MaxOmissionWindow = TimeSpan.FromDays(365);

    [GeneratedRegex("^[A-Za-z0-9._-]{1,64}$")]
    private static partial Regex IdPattern();

    /// <summary>
    /// The claim's content as a record (status Active, times <paramref name="now"/>). An empty id is derived from the
    /// statement unless <paramref name="idRequired"/>.
    /// </summary>
    public static ClaimRecord ToRecord(ProtoClaim? claim, bool idRequired, DateTimeOffset now)
    {
        if (claim is null)
        {
            throw Invalid("claim", "required");
        }

        var statement = claim.Statement.Trim();
        if (statement.Length == 0)
        {
            throw Invalid("claim.statement", "required");
        }

        if (statement.Length > MaxStatementLength)
        {
            throw Invalid("claim.statement", $"at most {MaxStatementLength} characters");
        }

        var id = claim.Id.Trim();
        if (id.Length == 0)
        {
            id = idRequired ? throw Invalid("claim.id", "required") : DeriveId(statement);
        }
        else
        {
            ValidateId("claim.id", id);
        }

        var topic = claim.Topic.Trim();
        if (topic.Length == 0)
        {
            throw Invalid("claim.topic", "required");
        }

        if (topic.Length > MaxTopicLength)
        {
            throw Invalid("claim.topic", $"at most {MaxTopicLength} characters");
        }

        return new ClaimRecord
        {
            Id = id,
            Statement = statement,
            Topic = topic,
            Keywords = Phrases("claim.keywords", claim.Keywords),
            TopicKeywords = Phrases("claim.topic_keywords", claim.TopicKeywords),
            Rules = Rules(claim.Rules),
            Status = ClaimStatus.Active,
            CreatedAt = now,
            UpdatedAt = now,
        };
    }

    public static void ValidateId(string field, string id)
    {
        if (string.IsNullOrEmpty(id))
        {
            throw Invalid(field, "required");
        }

        if (!IdPattern().IsMatch(id))
        {
            throw Invalid(field, $"must be 1 to {MaxIdLength} letters, digits, '.', '_' or '-'");
        }
    }

    /// <summary>A readable id from the statement ("north-korean-troops-are-fighting-..."), or a hash for non-Latin text.</summary>
    public static string DeriveId(string statement)
    {
        var slug = new StringBuilder();
        foreach (var c in statement.ToLowerInvariant())
        {
            if (c is >= 'a' and <= 'z' or >= '0' and <= '9')
            {
                slug.Append(c);
            }
            else if (slug.Length > 0 && slug[^1] != '-')
            {
                slug.Append('-');
            }
        }

        var text = slug.ToString().Trim('-');
        if (text.Length > MaxIdLength)
        {
            var cut = text.LastIndexOf('-', MaxIdLength);
            text = text[..(cut > MaxIdLength / 2 ? cut : MaxIdLength)];
        }

        if (text.Length >= 3)
        {
            return text;
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(statement)));
        return "claim-" + hash[..12];
    }

    public static ProtoClaim ToProto(ClaimRecord claim) => new()
    {
        Id = claim.Id,
        Statement = claim.Statement,
        Topic = claim.Topic,
        Keywords = { claim.Keywords },
        TopicKeywords = { claim.TopicKeywords },
        Rules = new ProtoClaimRules
        {
            ConfirmationSources = claim.Rules.ConfirmationSources,
            OmissionArticles = claim.Rules.OmissionArticles,
            OmissionWindow = Duration.FromTimeSpan(claim.Rules.OmissionWindow),
        },
        Status = claim.Status == ClaimStatus.Retired ? ProtoClaimStatus.Retired : ProtoClaimStatus.Active,
        CreatedAt = Timestamp.FromDateTimeOffset(claim.CreatedAt),
        UpdatedAt = Timestamp.FromDateTimeOffset(claim.UpdatedAt),
    };

    public static RpcException Invalid(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {problem}"));

    private static IReadOnlyList<string> Phrases(string field, IReadOnlyList<string> values)
    {
        if (values.Count > MaxKeywords)
        {
            throw Invalid(field, $"at most {MaxKeywords} entries");
        }

        var phrases = new List<string>();
        for (var i = 0; i < values.Count; i++)
        {
            var phrase = values[i].Trim();
            if (phrase.Length == 0)
            {
                throw Invalid($"{field}[{i}]", "must not be empty");
            }

            if (phrase.Length > MaxKeywordLength)
            {
                throw Invalid($"{field}[{i}]", $"at most {MaxKeywordLength} characters");
            }

            if (!phrases.Contains(phrase, StringComparer.OrdinalIgnoreCase))
            {
                phrases.Add(phrase);
            }
        }

        return phrases;
    }

    private static ClaimRules Rules(ProtoClaimRules? rules)
    {
        if (rules is null)
        {
            return ClaimRules.Default;
        }

        var sources = rules.ConfirmationSources;
        if (sources is < 0 or > 100)
        {
            throw Invalid("claim.rules.confirmation_sources", "must be between 1 and 100 (0 for the default)");
        }

        var articles = rules.OmissionArticles;
        if (articles is < 0 or > 1000)
        {
            throw Invalid("claim.rules.omission_articles", "must be between 1 and 1000 (0 for the default)");
        }

        var window = ClaimRules.DefaultOmissionWindow;
        if (rules.OmissionWindow is { } duration && (duration.Seconds != 0 || duration.Nanos != 0))
        {
            if (duration.Nanos is <= -Duration.NanosecondsPerSecond or >= Duration.NanosecondsPerSecond
                || (duration.Seconds > 0 && duration.Nanos < 0) || (duration.Seconds < 0 && duration.Nanos > 0))
            {
                throw Invalid("claim.rules.omission_window", "not a valid duration");
            }

            window = duration.ToTimeSpan();
            if (window < MinOmissionWindow || window > MaxOmissionWindow)
            {
                throw Invalid("claim.rules.omission_window", "must be between 1 hour and 365 days (0 for the default)");
            }
        }

        return new ClaimRules
        {
            ConfirmationSources = sources == 0 ? ClaimRules.DefaultConfirmationSources : sources,
            OmissionArticles = articles == 0 ? ClaimRules.DefaultOmissionArticles : articles,
            OmissionWindow = window,
        };
    }
}
