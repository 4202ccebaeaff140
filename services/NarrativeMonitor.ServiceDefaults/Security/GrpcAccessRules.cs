namespace NarrativeMonitor.ServiceDefaults.Security;

public static class Roles
{
    public const string Ingest = "ingest";
    public const string Analyst = "analyst";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Ingest, Analyst, Admin];
}

/// <summary>Who may call a gRPC method: nobody needs credentials, any authenticated caller, or a caller with one of the roles.</summary>
public sealed record GrpcAccessRule(bool Anonymous, IReadOnlySet<string> Roles)
{
    public static readonly GrpcAccessRule AnyCaller = new(true, new HashSet<string>());
    public static readonly GrpcAccessRule AnyAuthenticated = new(false, new HashSet<string>());

    public static GrpcAccessRule AnyOf(params string[] roles) => new(false, new HashSet<string>(roles, StringComparer.Ordinal));

    public bool Allows(System.Security.Claims.ClaimsPrincipal user)
    {
        if (Anonymous)
        {
            return true;
        }

        if (user.Identity?.IsAuthenticated != true)
        {
            return false;
        }

        return Roles.Count == 0 || Roles.Any(role => RoleClaims.Of(user).Contains(role));
    }
}

/// <summary>
/// The one table of who may call what, keyed by gRPC full service name (<c>package.Service</c>), full method name
/// (<c>package.Service/Method</c>) or package (<c>package.*</c>); the most specific entry wins. A service or method
/// that matches no entry is refused to everyone: a new service is closed until someone lists it here.
/// Roles do not imply one another: an account that needs several gets several.
/// </summary>
public static class GrpcAccessRules
{
    public static readonly IReadOnlyDictionary<string, GrpcAccessRule> Table = new Dictionary<string, GrpcAccessRule>(StringComparer.Ordinal)
    {
        ["grpc.health.v1.Health"] = GrpcAccessRule.AnyCaller,
        ["grpc.reflection.v1alpha.ServerReflection"] = GrpcAccessRule.AnyAuthenticated,
        ["grpc.reflection.v1.ServerReflection"] = GrpcAccessRule.AnyAuthenticated,

        ["narrativemonitor.ingest.v1.IngestService/SubmitArticle"] = GrpcAccessRule.AnyOf(Roles.Ingest),
        ["narrativemonitor.ingest.v1.IngestService/SubmitArticles"] = GrpcAccessRule.AnyOf(Roles.Ingest),
        ["narrativemonitor.ingest.v1.IngestService/RegisterSource"] = GrpcAccessRule.AnyOf(Roles.Admin),
        ["narrativemonitor.ingest.v1.IngestService/ListSources"] = GrpcAccessRule.AnyOf(Roles.Admin),
        ["narrativemonitor.ingest.v1.FeedService"] = GrpcAccessRule.AnyOf(Roles.Ingest),

        ["narrativemonitor.classification.v1.ClassificationService"] = GrpcAccessRule.AnyOf(Roles.Analyst),

        ["narrativemonitor.alerts.v1.AlertService"] = GrpcAccessRule.AnyOf(Roles.Analyst),
        ["narrativemonitor.alerts.v1.WebhookService"] = GrpcAccessRule.AnyOf(Roles.Analyst),

        // Error-queue inspection and redelivery, and any later operator service.
        ["narrativemonitor.admin.v1.*"] = GrpcAccessRule.AnyOf(Roles.Admin),
    };

    /// <summary>Ingest methods the per-client rate limiter meters.</summary>
    public static readonly IReadOnlySet<string> RateLimited = new HashSet<string>(StringComparer.Ordinal)
    {
        "narrativemonitor.ingest.v1.IngestService/SubmitArticle",
        "narrativemonitor.ingest.v1.IngestService/SubmitArticles",
    };

    /// <returns>The rule of the method, or null when no entry covers it (refused).</returns>
    public static GrpcAccessRule? For(string serviceName, string methodName)
    {
        if (Table.TryGetValue(serviceName + "/" + methodName, out var rule) || Table.TryGetValue(serviceName, out rule))
        {
            return rule;
        }

        var dot = serviceName.LastIndexOf('.');
        return dot > 0 && Table.TryGetValue(serviceName[..dot] + ".*", out rule) ? rule : null;
    }
}

/// <summary>Roles of a principal, from JWT <c>role</c>/<c>roles</c> claims (a value may list several, space- or comma-separated) or an API key.</summary>
public static class RoleClaims
{
    public const string Role = "role";
    public const string RolesClaim = "roles";

    public static HashSet<string> Of(System.Security.Claims.ClaimsPrincipal user) =>
        user.Claims
            .Where(c => c.Type is Role or RolesClaim or System.Security.Claims.ClaimTypes.Role)
            .SelectMany(c => c.Value.Split([' ', ','], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            .ToHashSet(StringComparer.Ordinal);
}
