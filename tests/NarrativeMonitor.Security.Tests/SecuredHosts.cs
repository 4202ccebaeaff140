using System.Security.Cryptography;
using Grpc.AspNetCore.Server;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Testing;

namespace NarrativeMonitor.Security.Tests;

/// <summary>The credentials a secured test deployment accepts, and tokens good and bad to try on it.</summary>
public sealed class TestAuthority
{
    public const string Issuer = "https://issuer.narrativemonitor.test";
    public const string Audience = "narrativemonitor-tests";
    public static readonly string[] AllRoles = ["ingest", "analyst", "admin"];

    public byte[] Secret { get; } = RandomNumberGenerator.GetBytes(32);

    /// <summary>One service account per role, and "svc-all" with every role.</summary>
    public IReadOnlyDictionary<string, string> ApiKeys { get; } = new[] { "ingest", "analyst", "admin", "all" }
        .ToDictionary(role => role, _ => Convert.ToHexString(RandomNumberGenerator.GetBytes(24)));

    public Dictionary<string, string?> Settings()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Auth:Mode"] = "Required",
            ["Auth:Jwt:Issuer"] = Issuer,
            ["Auth:Jwt:Audience"] = Audience,
            ["Auth:Jwt:SigningKey"] = Convert.ToBase64String(Secret),
        };
        var i = 0;
        foreach (var (role, key) in ApiKeys)
        {
            settings[$"Auth:ApiKeys:{i}:Name"] = "svc-" + role;
            // The analyst's key is configured by its hash only, the others as keys.
            if (role == "analyst")
            {
                settings[$"Auth:ApiKeys:{i}:KeySha256"] = Convert.ToHexString(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key)));
            }
            else
            {
                settings[$"Auth:ApiKeys:{i}:Key"] = key;
            }

            var roles = role == "all" ? AllRoles : [role];
            for (var r = 0; r < roles.Length; r++)
            {
                settings[$"Auth:ApiKeys:{i}:Roles:{r}"] = roles[r];
            }

            i++;
        }

        return settings;
    }

    public string Token(IEnumerable<string> roles, string roleClaim = "role", string subject = "tester", DateTime? issuedAt = null,
        TimeSpan? lifetime = null, byte[]? secret = null, string issuer = Issuer, string audience = Audience)
    {
        var now = issuedAt ?? DateTime.UtcNow;
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = new Dictionary<string, object> { ["sub"] = subject, [roleClaim] = roles.ToArray() },
            IssuedAt = now,
            NotBefore = now,
            Expires = now + (lifetime ?? TimeSpan.FromMinutes(10)),
            SigningCredentials = new SigningCredentials(new SymmetricSecurityKey(secret ?? Secret), SecurityAlgorithms.HmacSha256),
        });
    }

    public static Metadata Bearer(string token) => new() { { "authorization", "Bearer " + token } };

    public static Metadata ApiKey(string key) => new() { { "x-api-key", key } };
}

public static class SecuredHosts
{
    public static async Task<WebApplication> StartAsync(HostedService service, RedisFixture redis, RabbitMqFixture rabbitMq,
        IReadOnlyDictionary<string, string?> settings, Action<WebApplicationBuilder>? configure = null, string? prefix = null)
    {
        var all = ServiceHosts.Distributed(redis.ConnectionString, rabbitMq.AmqpUri, prefix ?? RabbitMqFixture.UniquePrefix());
        all["Messaging:QuorumQueues"] = "false";
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        var app = ServiceHosts.Build(service, all, configure);
        await app.StartAsync();
        return app;
    }

    /// <summary>Every gRPC method the host maps, read from its routing table, so a method added later is covered without editing the tests.</summary>
    public static IReadOnlyList<IMethod> GrpcMethods(WebApplication app) =>
        [.. app.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .Select(e => e.Metadata.GetMetadata<GrpcMethodMetadata>()?.Method)
            .OfType<IMethod>()
            .DistinctBy(m => m.FullName)
            .OrderBy(m => m.FullName, StringComparer.Ordinal)];
}

/// <summary>Calls any gRPC method with an empty message, whatever its type, and reports the status it ended with.</summary>
public static class RawCalls
{
    private static readonly Marshaller<byte[]> Bytes = Marshallers.Create(b => b, b => b);

    public static async Task<StatusCode> CallAsync(GrpcChannel channel, IMethod target, Metadata? headers, TimeSpan? timeout = null)
    {
        var method = new Method<byte[], byte[]>(target.Type, target.ServiceName, target.Name, Bytes, Bytes);
        var options = new CallOptions(headers, DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(1)));
        var invoker = channel.CreateCallInvoker();
        try
        {
            switch (target.Type)
            {
                case MethodType.Unary:
                    await invoker.AsyncUnaryCall(method, null, options, []);
                    break;
                case MethodType.ClientStreaming:
                {
                    using var call = invoker.AsyncClientStreamingCall(method, null, options);
                    await CompleteQuietly(call.RequestStream);
                    await call.ResponseAsync;
                    break;
                }

                case MethodType.ServerStreaming:
                {
                    // The first message (or the end) is enough: a subscription may stay open for good.
                    using var call = invoker.AsyncServerStreamingCall(method, null, options, []);
                    await call.ResponseStream.MoveNext(CancellationToken.None);
                    break;
                }

                default:
                {
                    using var call = invoker.AsyncDuplexStreamingCall(method, null, options);
                    await CompleteQuietly(call.RequestStream);
                    await call.ResponseStream.MoveNext(CancellationToken.None);
                    break;
                }
            }

            return StatusCode.OK;
        }
        catch (RpcException e)
        {
            return e.StatusCode;
        }
    }

    private static async Task CompleteQuietly(IClientStreamWriter<byte[]> requests)
    {
        try
        {
            await requests.CompleteAsync();
        }
        catch (Exception e) when (e is RpcException or InvalidOperationException)
        {
            // Already refused: the status comes with the response.
        }
    }
}
