namespace NarrativeMonitor.ServiceDefaults.Security;

public enum AuthMode
{
    /// <summary>Every gRPC call but grpc.health.v1 needs a JWT bearer token or an API key with a role the method allows.</summary>
    Required,

    /// <summary>No credentials needed; allowed only when every endpoint binds a loopback address (embedded mode, tests).</summary>
    Open,
}

/// <summary>Section <c>Auth</c>: who may call the gRPC API. Secrets come from configuration or from files, never from the repository.</summary>
public sealed class AuthOptions
{
    public const string SectionName = "Auth";

    public AuthMode Mode { get; set; } = AuthMode.Required;

    public JwtOptions Jwt { get; set; } = new();

    /// <summary>Static keys of service accounts, sent in the <c>x-api-key</c> header.</summary>
    public List<ApiKeyOptions> ApiKeys { get; set; } = [];
}

public sealed class JwtOptions
{
    /// <summary>The only accepted <c>iss</c>.</summary>
    public string? Issuer { get; set; }

    /// <summary>The only accepted <c>aud</c>.</summary>
    public string? Audience { get; set; }

    /// <summary>HMAC (HS256) secret, base64, at least 32 bytes once decoded.</summary>
    public string? SigningKey { get; set; }

    /// <summary>
    /// A file holding either a PEM public key (RSA or EC: RS256/ES256 tokens signed by an identity provider) or a base64
    /// HMAC secret, e.g. a mounted Kubernetes Secret.
    /// </summary>
    public string? SigningKeyFile { get; set; }

    /// <summary>Tolerated clock difference when checking <c>exp</c> and <c>nbf</c>.</summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    public bool IsConfigured => !string.IsNullOrWhiteSpace(SigningKey) || !string.IsNullOrWhiteSpace(SigningKeyFile);
}

public sealed class ApiKeyOptions
{
    /// <summary>The service account's name: the principal's name in logs and the rate limiter's partition.</summary>
    public string Name { get; set; } = "";

    /// <summary>The key itself (prefer <see cref="KeyFile"/> or <see cref="KeySha256"/>).</summary>
    public string? Key { get; set; }

    /// <summary>A file whose content (trimmed) is the key.</summary>
    public string? KeyFile { get; set; }

    /// <summary>Lower- or upper-case hex SHA-256 of the key, so the key itself need not be stored.</summary>
    public string? KeySha256 { get; set; }

    /// <summary>Roles: <c>ingest</c>, <c>analyst</c>, <c>admin</c>.</summary>
    public List<string> Roles { get; set; } = [];
}
