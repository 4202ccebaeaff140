using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults.Security;
using NarrativeMonitor.Testing;
using Xunit;

namespace NarrativeMonitor.Security.Tests;

/// <summary>TLS and mTLS on the gRPC endpoint, configured as a deployment would (Kestrel certificate, Tls section).</summary>
[Collection(ServersCollection.Name)]
public sealed class TlsTests(RedisFixture redis, RabbitMqFixture rabbitMq) : IDisposable
{
    private readonly TestCertificates _pki = new();
    private readonly TestAuthority _authority = new();

    public void Dispose() => _pki.Dispose();

    [Fact]
    public async Task Tls_calls_work_for_a_client_that_trusts_the_ca_and_fail_for_one_that_does_not()
    {
        await using var app = await StartAsync(requireClientCertificate: false);
        Assert.StartsWith("https://", app.GrpcAddress().ToString());

        using var trusting = new GrpcClientSecurity { CaFile = _pki.CaFile, ApiKey = _authority.ApiKeys["admin"] }.CreateChannel(app.GrpcAddress());
        var sources = await new IngestService.IngestServiceClient(trusting).ListSourcesAsync(new ListSourcesRequest());
        Assert.Empty(sources.Sources);

        using var untrusting = new GrpcClientSecurity { ApiKey = _authority.ApiKeys["admin"] }.CreateChannel(app.GrpcAddress());
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new IngestService.IngestServiceClient(untrusting).ListSourcesAsync(new ListSourcesRequest()));
        // grpc-dotnet reports a failed handshake as Unavailable or Internal, depending on where it failed.
        Assert.Contains(refused.StatusCode, new[] { StatusCode.Unavailable, StatusCode.Internal });
        Assert.Contains("SSL", refused.Status.DebugException?.ToString() ?? refused.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Mtls_admits_a_client_certificate_of_the_ca_and_refuses_none_or_another_cas()
    {
        await using var app = await StartAsync(requireClientCertificate: true);

        using var withCertificate = new GrpcClientSecurity
        {
            CaFile = _pki.CaFile,
            ClientCertificateFile = _pki.ClientCertificate,
            ClientKeyFile = _pki.ClientKey,
            BearerToken = _authority.Token(["admin"]),
        }.CreateChannel(app.GrpcAddress());
        var sources = await new IngestService.IngestServiceClient(withCertificate).ListSourcesAsync(new ListSourcesRequest());
        Assert.Empty(sources.Sources);
        var health = await new Health.HealthClient(withCertificate).CheckAsync(new HealthCheckRequest());
        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, health.Status);

        // Without a certificate not even the anonymous health service answers: the TLS handshake is refused.
        using var withoutCertificate = new GrpcClientSecurity { CaFile = _pki.CaFile }.CreateChannel(app.GrpcAddress());
        var refused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(withoutCertificate).CheckAsync(new HealthCheckRequest()));
        Assert.NotEqual(StatusCode.OK, refused.StatusCode);

        using var rogue = new GrpcClientSecurity
        {
            CaFile = _pki.CaFile,
            ClientCertificateFile = _pki.RogueClientCertificate,
            ClientKeyFile = _pki.RogueClientKey,
        }.CreateChannel(app.GrpcAddress());
        var rogueRefused = await Assert.ThrowsAsync<RpcException>(async () =>
            await new Health.HealthClient(rogue).CheckAsync(new HealthCheckRequest()));
        Assert.NotEqual(StatusCode.OK, rogueRefused.StatusCode);
    }

    private Task<WebApplication> StartAsync(bool requireClientCertificate)
    {
        var settings = _authority.Settings();
        if (requireClientCertificate)
        {
            settings["Tls:RequireClientCertificate"] = "true";
            settings["Tls:ClientCaFile"] = _pki.CaFile;
        }

        var https = new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"https://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Kestrel:Endpoints:Grpc:Certificate:Path"] = _pki.ServerCertificate,
            ["Kestrel:Endpoints:Grpc:Certificate:KeyPath"] = _pki.ServerKey,
        };
        return SecuredHosts.StartAsync(HostedService.Ingest, redis, rabbitMq, settings, builder => builder.Configuration.AddInMemoryCollection(https));
    }
}
