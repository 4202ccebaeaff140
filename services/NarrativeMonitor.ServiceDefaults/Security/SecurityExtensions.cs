using System.Net;
using System.Security.Claims;
using System.Security.Cryptography.X509Certificates;
using System.Threading.RateLimiting;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace NarrativeMonitor.ServiceDefaults.Security;

/// <summary>Authentication (JWT bearer or API key), the gRPC access table, TLS client certificates and the ingest rate limiter.</summary>
public static class SecurityExtensions
{
    /// <summary>Selects the API key handler when the call carries <c>x-api-key</c>, else the JWT bearer handler.</summary>
    public const string Scheme = "NarrativeMonitor";

    /// <summary>Trailer (and header) of a ResourceExhausted answer: milliseconds to wait before retrying.</summary>
    public const string RetryAfterMetadata = "retry-after-ms";

    public static IHostApplicationBuilder AddServiceSecurity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AuthOptions>()
            .BindConfiguration(AuthOptions.SectionName)
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<AuthOptions>, AuthOptionsValidator>();
        services.AddSingleton<ApiKeyAccounts>();

        services.AddAuthentication(Scheme)
            .AddPolicyScheme(Scheme, "JWT bearer or API key", o => o.ForwardDefaultSelector = http =>
                http.Request.Headers.ContainsKey(ApiKeyAuthenticationHandler.HeaderName)
                    ? ApiKeyAuthenticationHandler.SchemeName
                    : JwtBearerDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthenticationHandler>(ApiKeyAuthenticationHandler.SchemeName, null)
            .AddJwtBearer();
        services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<AuthOptions>>((bearer, auth) =>
            {
                var jwt = auth.Value.Jwt;
                bearer.MapInboundClaims = false;
                bearer.TokenValidationParameters = new TokenValidationParameters
                {
                    ValidateIssuer = true,
                    ValidIssuer = jwt.Issuer,
                    ValidateAudience = true,
                    ValidAudience = jwt.Audience,
                    ValidateLifetime = true,
                    RequireExpirationTime = true,
                    RequireSignedTokens = true,
                    ValidateIssuerSigningKey = true,
                    IssuerSigningKey = Credentials.LoadSigningKey(jwt),
                    ClockSkew = jwt.ClockSkew,
                    NameClaimType = "sub",
                    RoleClaimType = RoleClaims.Role,
                };
            });

        services.AddSingleton<IAuthorizationHandler, GrpcAccessHandler>();
        services.AddAuthorizationBuilder()
            // The fallback covers every endpoint without [Authorize]/[AllowAnonymous], so a newly mapped gRPC service is
            // checked against the table, where it is absent and therefore refused, until someone lists it.
            .SetFallbackPolicy(new AuthorizationPolicyBuilder(Scheme).AddRequirements(new GrpcAccessRequirement()).Build());

        services.AddOptions<IngestRateLimitOptions>()
            .BindConfiguration(IngestRateLimitOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddRateLimiter(o =>
        {
            o.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(IngestPartition);
            o.OnRejected = WriteResourceExhaustedAsync;
        });

        services.AddOptions<TlsOptions>()
            .BindConfiguration(TlsOptions.SectionName)
            .Validate(t => !t.RequireClientCertificate || File.Exists(t.ClientCaFile),
                "Tls:RequireClientCertificate needs Tls:ClientCaFile, a readable PEM file of the client CA.")
            .ValidateOnStart();
        services.AddOptions<KestrelServerOptions>().Configure<IOptions<TlsOptions>>((kestrel, tls) =>
        {
            if (!tls.Value.RequireClientCertificate || !File.Exists(tls.Value.ClientCaFile))
            {
                return;
            }

            var authorities = new X509Certificate2Collection();
            authorities.ImportFromPemFile(tls.Value.ClientCaFile);
            kestrel.ConfigureHttpsDefaults(https =>
            {
                https.ClientCertificateMode = ClientCertificateMode.RequireCertificate;
                https.ClientCertificateValidation = (certificate, _, _) => ChainsTo(certificate, authorities);
            });
        });

        services.AddHostedService<AuthStartupCheck>();
        return builder;
    }

    /// <summary>Authentication, authorization and the rate limiter, after routing (so the gRPC method is known) and before the endpoints.</summary>
    public static IApplicationBuilder UseServiceSecurity(this IApplicationBuilder app) =>
        app.UseAuthentication().UseAuthorization().UseRateLimiter();

    /// <summary>True when the certificate chains to one of the authorities and may authenticate a TLS client.</summary>
    public static bool ChainsTo(X509Certificate2 certificate, X509Certificate2Collection authorities)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.AddRange(authorities);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(certificate);
    }

    /// <summary>The endpoints' configured addresses, for the Open mode check (Kestrel endpoints, <c>urls</c>, <c>http_ports</c>).</summary>
    public static IEnumerable<(string Setting, string Url)> ConfiguredUrls(IConfiguration configuration)
    {
        foreach (var endpoint in configuration.GetSection("Kestrel:Endpoints").GetChildren())
        {
            if (endpoint["Url"] is { } url)
            {
                yield return ($"Kestrel:Endpoints:{endpoint.Key}:Url", url);
            }
        }

        foreach (var url in (configuration["urls"] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            yield return ("urls", url);
        }

        foreach (var key in new[] { "http_ports", "https_ports" })
        {
            // Ports alone bind every interface.
            foreach (var port in (configuration[key] ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                yield return (key, $"http://*:{port}");
            }
        }
    }

    public static bool IsLoopback(string url)
    {
        // Kestrel accepts * and + for "every interface", which System.Uri does not parse.
        var normalized = url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal);
        if (!Uri.TryCreate(normalized, UriKind.Absolute, out var uri))
        {
            return false;
        }

        return uri.IsLoopback
            || string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase)
            || (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var address) && IPAddress.IsLoopback(address));
    }

    /// <summary>Which bucket a call draws from: the authenticated principal, else the remote address.</summary>
    public static string ClientPartition(HttpContext http) =>
        http.User.Identity is { IsAuthenticated: true, Name: { } name }
            ? $"{http.User.Identity.AuthenticationType}:{name}"
            : "ip:" + (http.Connection.RemoteIpAddress?.ToString() ?? "unknown");

    private static RateLimitPartition<string> IngestPartition(HttpContext http)
    {
        var method = http.GetEndpoint()?.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method;
        var options = http.RequestServices.GetRequiredService<IOptions<IngestRateLimitOptions>>().Value;
        if (method is null || !options.Enabled || !GrpcAccessRules.RateLimited.Contains(method.ServiceName + "/" + method.Name))
        {
            return RateLimitPartition.GetNoLimiter("");
        }

        return RateLimitPartition.GetTokenBucketLimiter(ClientPartition(http), _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = options.TokenLimit,
            TokensPerPeriod = options.TokensPerPeriod,
            ReplenishmentPeriod = options.ReplenishmentPeriod,
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    /// <summary>
    /// A gRPC answer, not HTTP 429 (which gRPC clients turn into Unavailable): status ResourceExhausted as a trailers-only
    /// response, with the wait in <c>retry-after-ms</c> and as google.rpc.RetryInfo in <c>grpc-status-details-bin</c>.
    /// </summary>
    private static ValueTask WriteResourceExhaustedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<IngestRateLimitOptions>>().Value;
        var retryAfter = context.Lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) && wait > TimeSpan.Zero
            ? wait
            : options.ReplenishmentPeriod;
        var milliseconds = (long)Math.Ceiling(retryAfter.TotalMilliseconds);
        var message = $"Ingest rate limit exceeded; retry after {milliseconds} ms.";
        var status = new Google.Rpc.Status
        {
            Code = (int)Grpc.Core.StatusCode.ResourceExhausted,
            Message = message,
            Details = { Any.Pack(new Google.Rpc.RetryInfo { RetryDelay = Duration.FromTimeSpan(TimeSpan.FromMilliseconds(milliseconds)) }) },
        };

        http.Response.StatusCode = StatusCodes.Status200OK;
        http.Response.ContentType = "application/grpc";
        http.Response.Headers["grpc-status"] = ((int)Grpc.Core.StatusCode.ResourceExhausted).ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-message"] = Uri.EscapeDataString(message);
        http.Response.Headers[RetryAfterMetadata] = milliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        http.Response.Headers["grpc-status-details-bin"] = Convert.ToBase64String(status.ToByteArray()).TrimEnd('=');
        return ValueTask.CompletedTask;
    }
}
