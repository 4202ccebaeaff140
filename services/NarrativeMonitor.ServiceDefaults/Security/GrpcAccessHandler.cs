using Grpc.AspNetCore.Server;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace NarrativeMonitor.ServiceDefaults.Security;

/// <summary>The fallback policy's requirement: the caller passes the <see cref="GrpcAccessRules"/> entry of the gRPC method it calls.</summary>
public sealed class GrpcAccessRequirement : IAuthorizationRequirement;

public sealed class GrpcAccessHandler(IOptions<AuthOptions> options) : AuthorizationHandler<GrpcAccessRequirement>
{
    protected override Task HandleRequirementAsync(AuthorizationHandlerContext context, GrpcAccessRequirement requirement)
    {
        if (options.Value.Mode == AuthMode.Open)
        {
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var endpoint = context.Resource switch
        {
            HttpContext http => http.GetEndpoint(),
            Endpoint e => e,
            _ => null,
        };

        if (endpoint is null)
        {
            // No endpoint matched: nothing to protect, the request ends in 404.
            context.Succeed(requirement);
            return Task.CompletedTask;
        }

        var grpc = endpoint.Metadata.GetMetadata<GrpcMethodMetadata>();
        var rule = grpc is null ? null : GrpcAccessRules.For(grpc.Method.ServiceName, grpc.Method.Name);
        if (rule is not null && rule.Allows(context.User))
        {
            context.Succeed(requirement);
        }

        return Task.CompletedTask;
    }
}
