using Grpc.Core;
using Grpc.Net.Client;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Testing;
using Xunit;
using Xunit.Abstractions;

namespace NarrativeMonitor.Security.Tests;

/// <summary>
/// Every gRPC method each service maps, called with every kind of bad credential and with the right one, over HTTP/2 on
/// a real Kestrel. The expected access is written out here on its own (from the issue), not read from the product's table.
/// </summary>
[Collection(ServersCollection.Name)]
public sealed class AccessMatrixTests(RedisFixture redis, RabbitMqFixture rabbitMq, ITestOutputHelper output)
{
    private enum Access
    {
        Anyone,
        AnyAuthenticated,
        Role,
        Nobody,
    }

    private sealed record Expectation(Access Access, string? Role = null);

    /// <summary>The access the issue asks for; a service absent from here must be closed to everyone.</summary>
    private static Expectation Expected(IMethod method) => (method.ServiceName, method.Name) switch
    {
        ("grpc.health.v1.Health", _) => new(Access.Anyone),
        ("grpc.reflection.v1alpha.ServerReflection" or "grpc.reflection.v1.ServerReflection", _) => new(Access.AnyAuthenticated),
        ("narrativemonitor.ingest.v1.IngestService", "SubmitArticle" or "SubmitArticles") => new(Access.Role, "ingest"),
        ("narrativemonitor.ingest.v1.IngestService", "RegisterSource" or "ListSources") => new(Access.Role, "admin"),
        ("narrativemonitor.ingest.v1.FeedService", _) => new(Access.Role, "ingest"),
        ("narrativemonitor.classification.v1.ClassificationService", _) => new(Access.Role, "analyst"),
        ("narrativemonitor.alerts.v1.AlertService", _) => new(Access.Role, "analyst"),
        ("narrativemonitor.alerts.v1.WebhookService", _) => new(Access.Role, "analyst"),
        var (service, _) when service.StartsWith("narrativemonitor.admin.v1.", StringComparison.Ordinal) => new(Access.Role, "admin"),
        _ => new(Access.Nobody),
    };

    [Theory]
    [InlineData(HostedService.Ingest, "narrativemonitor.ingest.v1.IngestService/SubmitArticle")]
    [InlineData(HostedService.Classification, "narrativemonitor.classification.v1.ClassificationService/ClassifyText")]
    [InlineData(HostedService.Alerts, "narrativemonitor.alerts.v1.AlertService/SubscribeAlerts")]
    public async Task Every_method_refuses_bad_credentials_and_admits_the_right_role(HostedService service, string knownMethod)
    {
        var authority = new TestAuthority();
        await using var app = await SecuredHosts.StartAsync(service, redis, rabbitMq, authority.Settings());
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress());
        var methods = SecuredHosts.GrpcMethods(app);
        Assert.Contains(methods, m => m.FullName == "/" + knownMethod);
        Assert.Contains(methods, m => m.ServiceName == "grpc.health.v1.Health");

        var failures = new List<string>();
        int calls = 0, refused = 0, admitted = 0;
        foreach (var method in methods)
        {
            var expected = Expected(method);
            var right = expected.Access switch
            {
                Access.Role => [expected.Role!],
                Access.Nobody => TestAuthority.AllRoles,
                _ => Array.Empty<string>(),
            };
            var wrong = expected.Access == Access.Role ? TestAuthority.AllRoles.Except(right).ToArray() : TestAuthority.AllRoles;
            var allowedOutcome = expected.Access == Access.Nobody ? Outcome.Forbidden : Outcome.Admitted;
            var validAnonymously = expected.Access == Access.Anyone;

            var cases = new List<(string Name, Metadata? Headers, Outcome Expected)>
            {
                ("no credential", null, validAnonymously ? Outcome.Admitted : Outcome.Unauthenticated),
                ("expired token", TestAuthority.Bearer(authority.Token(right.Length > 0 ? right : TestAuthority.AllRoles,
                    issuedAt: DateTime.UtcNow.AddHours(-2), lifetime: TimeSpan.FromHours(1))), validAnonymously ? Outcome.Admitted : Outcome.Unauthenticated),
                ("token signed with another key", TestAuthority.Bearer(authority.Token(TestAuthority.AllRoles, secret: System.Security.Cryptography.RandomNumberGenerator.GetBytes(32))),
                    validAnonymously ? Outcome.Admitted : Outcome.Unauthenticated),
                ("token of another issuer", TestAuthority.Bearer(authority.Token(TestAuthority.AllRoles, issuer: "https://evil.example")),
                    validAnonymously ? Outcome.Admitted : Outcome.Unauthenticated),
                ("token for another audience", TestAuthority.Bearer(authority.Token(TestAuthority.AllRoles, audience: "someone-else")),
                    validAnonymously ? Outcome.Admitted : Outcome.Unauthenticated),
                ("unsigned token", TestAuthority.Bearer(Unsigned(authority.Token(TestAuthority.AllRoles))), validAnonymously ? Outcome.Admitted : Outcome.Unauthenticated),
                ("unknown API key", TestAuthority.ApiKey("not-a-configured-key-0123456789"), validAnonymously ? Outcome.Admitted : Outcome.Unauthenticated),
                ("token with the right role (role claim)", TestAuthority.Bearer(authority.Token(right)), allowedOutcome),
                ("token with the right role (roles claim)", TestAuthority.Bearer(authority.Token(right, roleClaim: "roles")), allowedOutcome),
                ("API key with the right role", TestAuthority.ApiKey(authority.ApiKeys[expected.Access == Access.Role ? expected.Role! : "all"]), allowedOutcome),
            };
            if (expected.Access is Access.Role)
            {
                cases.Add(("token with the other roles", TestAuthority.Bearer(authority.Token(wrong)), Outcome.Forbidden));
                cases.Add(("token without roles", TestAuthority.Bearer(authority.Token([])), Outcome.Forbidden));
                cases.AddRange(wrong.Select(role => ($"API key of role {role}", (Metadata?)TestAuthority.ApiKey(authority.ApiKeys[role]), Outcome.Forbidden)));
            }

            foreach (var (name, headers, expectedOutcome) in cases)
            {
                var status = await RawCalls.CallAsync(channel, method, headers);
                var actual = Classify(status);
                calls++;
                refused += actual is Outcome.Unauthenticated or Outcome.Forbidden ? 1 : 0;
                admitted += actual == Outcome.Admitted ? 1 : 0;
                if (actual != expectedOutcome)
                {
                    failures.Add($"{method.FullName} with {name}: expected {expectedOutcome}, got {status}");
                }
            }
        }

        output.WriteLine($"{service}: {methods.Count} gRPC methods, {calls} calls, {refused} refused, {admitted} admitted");
        foreach (var group in methods.GroupBy(m => Expected(m)))
        {
            output.WriteLine($"  {group.Key.Access} {group.Key.Role}: {string.Join(", ", group.Select(m => m.FullName))}");
        }

        Assert.True(failures.Count == 0, string.Join(Environment.NewLine, failures));
    }

    private enum Outcome
    {
        Admitted,
        Unauthenticated,
        Forbidden,
    }

    private static Outcome Classify(StatusCode status) => status switch
    {
        StatusCode.Unauthenticated => Outcome.Unauthenticated,
        StatusCode.PermissionDenied => Outcome.Forbidden,
        _ => Outcome.Admitted,
    };

    /// <summary>The same claims with "alg":"none" and no signature.</summary>
    private static string Unsigned(string token)
    {
        var parts = token.Split('.');
        var header = Microsoft.IdentityModel.Tokens.Base64UrlEncoder.Encode("""{"alg":"none","typ":"JWT"}""");
        return $"{header}.{parts[1]}.";
    }
}
