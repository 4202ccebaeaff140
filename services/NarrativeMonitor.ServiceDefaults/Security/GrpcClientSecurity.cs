using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Grpc.Net.Client;

namespace NarrativeMonitor.ServiceDefaults.Security;

/// <summary>
/// How a client in this repository (CLI replay, load tool, tests) reaches a secured service: a credential sent with every
/// call, the CA that issued the server's certificate, and a client certificate for mTLS.
/// </summary>
public sealed record GrpcClientSecurity
{
    public static readonly GrpcClientSecurity None = new();

    /// <summary>Sent as <c>x-api-key</c>.</summary>
    public string? ApiKey { get; init; }

    /// <summary>A JWT, sent as <c>authorization: Bearer …</c>.</summary>
    public string? BearerToken { get; init; }

    /// <summary>PEM file of the CA that issued the server certificate (otherwise the system's trust store decides).</summary>
    public string? CaFile { get; init; }

    /// <summary>PEM client certificate and its key, for servers that require mTLS.</summary>
    public string? ClientCertificateFile { get; init; }

    public string? ClientKeyFile { get; init; }

    public GrpcChannel CreateChannel(Uri address, GrpcChannelOptions? options = null)
    {
        options ??= new GrpcChannelOptions();
        options.HttpHandler = CreateHandler(options.HttpHandler as SocketsHttpHandler);
        return GrpcChannel.ForAddress(address, options);
    }

    /// <param name="inner">A handler to configure (e.g. one with several HTTP/2 connections), else a new one.</param>
    public HttpMessageHandler CreateHandler(SocketsHttpHandler? inner = null)
    {
        var sockets = inner ?? new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        if (CaFile is not null)
        {
            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(CaFile);
            sockets.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                certificate is not null
                && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None
                && ServerChainsTo(new X509Certificate2(certificate), authorities);
        }

        if (ClientCertificateFile is not null)
        {
            sockets.SslOptions.ClientCertificates = [X509Certificate2.CreateFromPemFile(ClientCertificateFile, ClientKeyFile)];
        }

        return ApiKey is null && BearerToken is null ? sockets : new CredentialHandler(this) { InnerHandler = sockets };
    }

    /// <summary>The server certificate chains to one of the authorities (host name checks stay with SslStream).</summary>
    private static bool ServerChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    // A handler rather than CallCredentials, which grpc-dotnet sends only over TLS: loopback deployments run plaintext.
    private sealed class CredentialHandler(GrpcClientSecurity security) : DelegatingHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (security.ApiKey is not null)
            {
                request.Headers.TryAddWithoutValidation(ApiKeyAuthenticationHandler.HeaderName, security.ApiKey);
            }

            if (security.BearerToken is not null)
            {
                request.Headers.TryAddWithoutValidation("authorization", "Bearer " + security.BearerToken);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }
}
