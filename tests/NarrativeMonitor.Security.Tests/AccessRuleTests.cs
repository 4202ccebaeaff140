using System.Security.Claims;
using System.Security.Cryptography;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.ServiceDefaults.Security;
using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.Security.Tests;

[Collection(ServersCollection.Name)]
public sealed class AccessRuleTests(RedisFixture redis, RabbitMqFixture rabbitMq)
{
    [Theory]
    [InlineData("narrativemonitor.reports.v1.ReportService", "Export", new string[0], false)]
    [InlineData("narrativemonitor.reports.v1.ReportService", "Export", new[] { "ingest", "analyst", "admin" }, false)]
    [InlineData("narrativemonitor.ingest.v1.IngestService", "PurgeEverything", new[] { "ingest", "analyst", "admin" }, false)]
    [InlineData("narrativemonitor.admin.v1.ErrorQueueService", "ListErrors", new[] { "admin" }, true)]
    [InlineData("narrativemonitor.admin.v1.ErrorQueueService", "Redeliver", new[] { "ingest", "analyst" }, false)]
    [InlineData("narrativemonitor.alerts.v1.WebhookService", "CreateWebhook", new[] { "analyst" }, true)]
    [InlineData("narrativemonitor.alerts.v1.AlertService", "ResolveAlert", new[] { "admin" }, false)]
    public async Task A_method_nobody_listed_is_refused_to_everyone(string service, string method, string[] roles, bool allowed)
    {
        // IngestService/PurgeEverything: the service is listed per method, so an unlisted method of it is closed too.
        var endpoint = new Endpoint(_ => Task.CompletedTask, new EndpointMetadataCollection(
            new GrpcMethodMetadata(typeof(object), new Method<byte[], byte[]>(MethodType.Unary, service, method, Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b)))), method);
        var user = new ClaimsPrincipal(new ClaimsIdentity(
            [new System.Security.Claims.Claim(ClaimTypes.Name, "tester"), .. roles.Select(r => new System.Security.Claims.Claim("role", r))], "test"));
        var requirement = new GrpcAccessRequirement();
        var context = new AuthorizationHandlerContext([requirement], user, endpoint);

        await new GrpcAccessHandler(Options.Create(new AuthOptions())).HandleAsync(context);

        Assert.Equal(allowed, context.HasSucceeded);
    }

    [Fact]
    public async Task An_unknown_service_called_with_every_role_is_not_served()
    {
        var authority = new TestAuthority();
        await using var app = await SecuredHosts.StartAsync(HostedService.Classification, redis, rabbitMq, authority.Settings());
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress());
        var unknown = new Method<byte[], byte[]>(MethodType.Unary, "narrativemonitor.reports.v1.ReportService", "Export",
            Marshallers.Create(b => b, b => b), Marshallers.Create(b => b, b => b));

        var status = await RawCalls.CallAsync(channel, unknown, TestAuthority.ApiKey(authority.ApiKeys["all"]));

        Assert.Contains(status, new[] { StatusCode.PermissionDenied, StatusCode.Unimplemented });
    }

    [Fact]
    public async Task Rs256_tokens_are_checked_with_a_pem_public_key_from_a_file()
    {
        using var rsa = RSA.Create(2048);
        var keyFile = Path.GetTempFileName();
        await File.WriteAllTextAsync(keyFile, rsa.ExportSubjectPublicKeyInfoPem());
        try
        {
            await using var app = await SecuredHosts.StartAsync(HostedService.Classification, redis, rabbitMq, new Dictionary<string, string?>
            {
                ["Auth:Mode"] = "Required",
                ["Auth:Jwt:Issuer"] = TestAuthority.Issuer,
                ["Auth:Jwt:Audience"] = TestAuthority.Audience,
                ["Auth:Jwt:SigningKeyFile"] = keyFile,
            });
            using var channel = GrpcChannel.ForAddress(app.GrpcAddress());
            var client = new ClassificationService.ClassificationServiceClient(channel);

            var rs256 = new Microsoft.IdentityModel.JsonWebTokens.JsonWebTokenHandler().CreateToken(new Microsoft.IdentityModel.Tokens.SecurityTokenDescriptor
            {
                Issuer = TestAuthority.Issuer,
                Audience = TestAuthority.Audience,
                Claims = new Dictionary<string, object> { ["sub"] = "idp-user", ["roles"] = new[] { "analyst" } },
                Expires = DateTime.UtcNow.AddMinutes(5),
                SigningCredentials = new Microsoft.IdentityModel.Tokens.SigningCredentials(new Microsoft.IdentityModel.Tokens.RsaSecurityKey(rsa),
                    Microsoft.IdentityModel.Tokens.SecurityAlgorithms.RsaSha256),
            });
            var claims = await client.ListClaimsAsync(new ListClaimsRequest(), TestAuthority.Bearer(rs256));
            Assert.Empty(claims.Claims);

            var hs256 = new TestAuthority().Token(["analyst"]);
            var refused = await Assert.ThrowsAsync<RpcException>(async () => await client.ListClaimsAsync(new ListClaimsRequest(), TestAuthority.Bearer(hs256)));
            Assert.Equal(StatusCode.Unauthenticated, refused.StatusCode);
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task A_dev_token_minted_with_the_shared_secret_is_accepted()
    {
        var authority = new TestAuthority();
        await using var app = await SecuredHosts.StartAsync(HostedService.Classification, redis, rabbitMq, authority.Settings());
        using var channel = GrpcChannel.ForAddress(app.GrpcAddress());
        var token = DevTokens.Mint(authority.Secret, TestAuthority.Issuer, TestAuthority.Audience, "dev", ["analyst"], TimeSpan.FromMinutes(5));

        var claims = await new ClassificationService.ClassificationServiceClient(channel).ListClaimsAsync(new ListClaimsRequest(), TestAuthority.Bearer(token));

        Assert.Empty(claims.Claims);
    }
}
