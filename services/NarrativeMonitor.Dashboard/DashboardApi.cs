using System.Text;
using System.Text.Json;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using ProtoCommon = NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Dashboard;

/// <summary>Request bodies of the write endpoints.</summary>
public sealed record AcknowledgeBody(string? Analyst, string? Note);

public sealed record ResolveBody(string? Analyst, string? Reason);

/// <summary>An error answer: the gRPC status code name (e.g. UNIMPLEMENTED) and the service's message.</summary>
public sealed record ApiError(string Code, string Message);

/// <summary>
/// The JSON API the pages use. Answers are the protobuf messages in the proto3 JSON mapping (lowerCamelCase fields, enum
/// value names, RFC 3339 times), so the pages read exactly what the protos document. gRPC errors keep their code.
/// </summary>
public static class DashboardApi
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default.WithFormatDefaultValues(true));

    public static void Map(RouteGroupBuilder api)
    {
        api.MapGet("/alerts", ListAlerts);
        api.MapGet("/alerts/{id}", (string id, HttpContext context, BackendClients backend, ILoggerFactory logs) =>
            Call(logs, () => backend.Alerts.GetAlertAsync(new GetAlertRequest { Id = id }, backend.Unary(context)).ResponseAsync));
        api.MapPost("/alerts/{id}/acknowledge", (string id, AcknowledgeBody body, HttpContext context, BackendClients backend, ILoggerFactory logs) =>
            Call(logs, () => backend.Alerts.AcknowledgeAlertAsync(
                new AcknowledgeAlertRequest { Id = id, Analyst = body.Analyst ?? "", Note = body.Note ?? "" }, backend.Unary(context)).ResponseAsync));
        api.MapPost("/alerts/{id}/resolve", (string id, ResolveBody body, HttpContext context, BackendClients backend, ILoggerFactory logs) =>
            Call(logs, () => backend.Alerts.ResolveAlertAsync(
                new ResolveAlertRequest { Id = id, Analyst = body.Analyst ?? "", Reason = body.Reason ?? "" }, backend.Unary(context)).ResponseAsync));
        api.MapGet("/claims", (HttpContext context, BackendClients backend, ILoggerFactory logs) =>
            Call(logs, () => backend.Classification.ListClaimsAsync(new ListClaimsRequest { IncludeRetired = true }, backend.Unary(context)).ResponseAsync));
        api.MapGet("/claims/{id}", (string id, HttpContext context, BackendClients backend, ILoggerFactory logs) =>
            Call(logs, () => backend.Classification.GetClaimAsync(new GetClaimRequest { Id = id }, backend.Unary(context)).ResponseAsync));
        api.MapGet("/claims/{id}/timeline", (string id, HttpContext context, BackendClients backend, ILoggerFactory logs) =>
            Call(logs, () => backend.Alerts.GetClaimTimelineAsync(new GetClaimTimelineRequest { ClaimId = id }, backend.Unary(context)).ResponseAsync));
        api.MapGet("/events", Events);
    }

    private static Task<IResult> ListAlerts(HttpContext context, BackendClients backend, ILoggerFactory logs)
    {
        var query = context.Request.Query;
        var request = new ListAlertsRequest
        {
            ClaimId = query["claim_id"].ToString(),
            SourceId = query["source_id"].ToString(),
            PageToken = query["page_token"].ToString(),
        };
        if (query["page_size"].ToString() is { Length: > 0 } pageSize)
        {
            if (!int.TryParse(pageSize, out var size))
            {
                return Task.FromResult(BadRequest("page_size", "must be a whole number"));
            }

            request.PageSize = size;
        }

        if (!TryParseEnum<ProtoCommon.AlertKind>(query["kind"].ToString(), "ALERT_KIND_", out var kind))
        {
            return Task.FromResult(BadRequest("kind", "must be denial, deflection or omission"));
        }

        if (!TryParseEnum<AlertState>(query["state"].ToString(), "ALERT_STATE_", out var state))
        {
            return Task.FromResult(BadRequest("state", "must be open, acknowledged, resolved or withdrawn"));
        }

        request.Kind = kind;
        request.State = state;
        return Call(logs, () => backend.Alerts.ListAlertsAsync(request, backend.Unary(context)).ResponseAsync);
    }

    /// <summary>
    /// SubscribeAlerts as server-sent events: "ready" once the subscription is open, then one "alert" event per
    /// AlertEvent with its cursor as the event id (a client resumes with ?cursor= or Last-Event-ID), comments while
    /// idle, and an "error" event carrying the gRPC code if the subscription fails.
    /// </summary>
    private static async Task Events(
        HttpContext context, BackendClients backend, IOptions<DashboardOptions> options, IHostApplicationLifetime lifetime, ILoggerFactory logs)
    {
        var query = context.Request.Query;
        var cursor = query["cursor"].ToString();
        if (cursor.Length == 0)
        {
            cursor = context.Request.Headers["Last-Event-ID"].ToString();
        }

        var request = new SubscribeAlertsRequest
        {
            Cursor = cursor,
            FromBeginning = cursor.Length == 0 && query["from_beginning"] == "true",
            ClaimId = query["claim_id"].ToString(),
            SourceId = query["source_id"].ToString(),
        };

        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        context.Response.ContentType = "text/event-stream";
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.Headers["X-Accel-Buffering"] = "no";
        // A stopping replica ends its streams at once instead of holding shutdown; the page resumes from its last
        // cursor on another replica.
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, lifetime.ApplicationStopping);
        var aborted = stop.Token;
        var keepAlive = TimeSpan.FromSeconds(options.Value.KeepAliveSeconds);
        try
        {
            using var call = backend.Alerts.SubscribeAlerts(request, backend.Streaming(context, aborted));
            await WriteAsync(context, "event: ready\ndata: {}\n\n", aborted);
            var next = call.ResponseStream.MoveNext(aborted);
            while (true)
            {
                if (await Task.WhenAny(next, Task.Delay(keepAlive, aborted)) != next)
                {
                    await WriteAsync(context, ": keep-alive\n\n", aborted);
                    continue;
                }

                if (!await next)
                {
                    break;
                }

                var alertEvent = call.ResponseStream.Current;
                await WriteAsync(context, $"id: {alertEvent.Cursor}\nevent: alert\ndata: {Formatter.Format(alertEvent)}\n\n", aborted);
                next = call.ResponseStream.MoveNext(aborted);
            }
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or RpcException)
        {
            // The browser went away: the normal end of a subscription.
        }
        catch (RpcException ex)
        {
            LogFailure(logs, ex);
            var error = JsonSerializer.Serialize(new ApiError(CodeName(ex.StatusCode), ex.Status.Detail), JsonSerializerOptions.Web);
            await WriteAsync(context, $"event: error\ndata: {error}\n\n", aborted);
        }
    }

    private static async Task WriteAsync(HttpContext context, string text, CancellationToken cancellationToken)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(text), cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }

    private static async Task<IResult> Call<T>(ILoggerFactory logs, Func<Task<T>> call) where T : IMessage
    {
        try
        {
            return Results.Content(Formatter.Format(await call()), "application/json; charset=utf-8");
        }
        catch (RpcException ex)
        {
            LogFailure(logs, ex);
            return Results.Json(new ApiError(CodeName(ex.StatusCode), ex.Status.Detail), statusCode: HttpStatus(ex.StatusCode));
        }
    }

    private static void LogFailure(ILoggerFactory logs, RpcException ex)
    {
        if (HttpStatus(ex.StatusCode) >= 500 && ex.StatusCode is not (StatusCode.Unimplemented or StatusCode.Cancelled))
        {
            logs.CreateLogger(typeof(DashboardApi)).LogWarning(ex, "A call to a backend service failed with {StatusCode}", ex.StatusCode);
        }
    }

    private static IResult BadRequest(string parameter, string problem) =>
        Results.Json(new ApiError(CodeName(StatusCode.InvalidArgument), $"{parameter}: {problem}"), statusCode: StatusCodes.Status400BadRequest);

    /// <summary>Accepts empty (unspecified), the full value name (ALERT_STATE_OPEN) or its last part (open).</summary>
    private static bool TryParseEnum<T>(string text, string prefix, out T value) where T : struct, Enum
    {
        value = default;
        if (text.Length == 0)
        {
            return true;
        }

        var name = text.ToUpperInvariant();
        name = name.StartsWith(prefix, StringComparison.Ordinal) ? name : prefix + name;
        foreach (var field in typeof(T).GetFields(System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
        {
            var original = field.GetCustomAttributes(typeof(Google.Protobuf.Reflection.OriginalNameAttribute), false)
                .OfType<Google.Protobuf.Reflection.OriginalNameAttribute>().FirstOrDefault()?.Name;
            if (original == name && !name.EndsWith("_UNSPECIFIED", StringComparison.Ordinal))
            {
                value = (T)field.GetValue(null)!;
                return true;
            }
        }

        return false;
    }

    /// <summary>The canonical gRPC name, e.g. InvalidArgument: INVALID_ARGUMENT.</summary>
    internal static string CodeName(StatusCode code) =>
        string.Concat(code.ToString().Select((c, i) => i > 0 && char.IsUpper(c) ? "_" + c : c.ToString())).ToUpperInvariant();

    internal static int HttpStatus(StatusCode code) => code switch
    {
        StatusCode.InvalidArgument or StatusCode.OutOfRange => StatusCodes.Status400BadRequest,
        StatusCode.Unauthenticated => StatusCodes.Status401Unauthorized,
        StatusCode.PermissionDenied => StatusCodes.Status403Forbidden,
        StatusCode.NotFound => StatusCodes.Status404NotFound,
        StatusCode.AlreadyExists or StatusCode.FailedPrecondition or StatusCode.Aborted => StatusCodes.Status409Conflict,
        StatusCode.ResourceExhausted => StatusCodes.Status429TooManyRequests,
        StatusCode.Unimplemented => StatusCodes.Status501NotImplemented,
        StatusCode.Unavailable => StatusCodes.Status503ServiceUnavailable,
        StatusCode.DeadlineExceeded => StatusCodes.Status504GatewayTimeout,
        _ => StatusCodes.Status502BadGateway,
    };
}
