using System.Collections.Concurrent;
using Google.Protobuf;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;

namespace NarrativeMonitor.Dashboard.Tests;

/// <summary>
/// A gRPC server on loopback that answers the alert and classification APIs from data the test sets, and records every
/// call with its headers: for the parts of the contract the real services do not implement yet (explanations, audit,
/// ResolveAlert, GetClaimTimeline) and for checking what the dashboard forwards. RPCs it is not given answer
/// UNIMPLEMENTED, like a service that lacks them.
/// </summary>
public sealed class FakeBackend : IAsyncDisposable
{
    private WebApplication _app = null!;

    public ConcurrentDictionary<string, Alert> Alerts { get; } = new();
    public ConcurrentDictionary<string, Claim> Claims { get; } = new();
    public ClaimTimeline? Timeline { get; set; }
    public List<AlertEvent> Events { get; } = [];
    public ConcurrentQueue<(string Method, Metadata Headers, IMessage Request)> Calls { get; } = new();
    public Uri Address { get; private set; } = null!;

    public static async Task<FakeBackend> StartAsync()
    {
        var backend = new FakeBackend();
        var port = EmbeddedHost.FreePort();
        var builder = WebApplication.CreateBuilder();
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.WebHost.ConfigureKestrel(k => k.ListenLocalhost(port, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(backend);
        backend._app = builder.Build();
        backend._app.MapGrpcService<FakeAlertService>();
        backend._app.MapGrpcService<FakeClassificationService>();
        await backend._app.StartAsync();
        backend.Address = new Uri($"http://127.0.0.1:{port}");
        return backend;
    }

    public IReadOnlyList<(string Method, Metadata Headers, IMessage Request)> CallsOf(string method) =>
        Calls.Where(c => c.Method == method).ToList();

    internal void Record(string method, ServerCallContext context, IMessage request) => Calls.Enqueue((method, context.RequestHeaders, request));

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

internal sealed class FakeAlertService(FakeBackend backend) : AlertService.AlertServiceBase
{
    public override Task<ListAlertsResponse> ListAlerts(ListAlertsRequest request, ServerCallContext context)
    {
        backend.Record(nameof(ListAlerts), context, request);
        var response = new ListAlertsResponse();
        response.Alerts.AddRange(backend.Alerts.Values
            .Where(a => request.ClaimId.Length == 0 || a.ClaimId == request.ClaimId)
            .OrderByDescending(a => a.RaisedAt));
        return Task.FromResult(response);
    }

    public override Task<Alert> GetAlert(GetAlertRequest request, ServerCallContext context)
    {
        backend.Record(nameof(GetAlert), context, request);
        return backend.Alerts.TryGetValue(request.Id, out var alert)
            ? Task.FromResult(alert)
            : throw new RpcException(new Status(StatusCode.NotFound, $"id: no alert {request.Id}"));
    }

    public override Task<Alert> ResolveAlert(ResolveAlertRequest request, ServerCallContext context)
    {
        backend.Record(nameof(ResolveAlert), context, request);
        if (!backend.Alerts.TryGetValue(request.Id, out var alert))
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"id: no alert {request.Id}"));
        }

        var resolved = alert.Clone();
        resolved.State = AlertState.Resolved;
        resolved.ResolvedBy = request.Analyst;
        resolved.ResolutionReason = request.Reason;
        resolved.ResolvedAt = Google.Protobuf.WellKnownTypes.Timestamp.FromDateTime(DateTime.UtcNow);
        resolved.Audit.Add(new AlertAuditEntry { Type = AlertEventType.Resolved, Actor = request.Analyst, Note = request.Reason, At = resolved.ResolvedAt });
        backend.Alerts[request.Id] = resolved;
        return Task.FromResult(resolved);
    }

    public override Task<ClaimTimeline> GetClaimTimeline(GetClaimTimelineRequest request, ServerCallContext context)
    {
        backend.Record(nameof(GetClaimTimeline), context, request);
        return backend.Timeline is { } timeline && timeline.ClaimId == request.ClaimId
            ? Task.FromResult(timeline)
            : throw new RpcException(new Status(StatusCode.Unimplemented, ""));
    }

    public override async Task SubscribeAlerts(SubscribeAlertsRequest request, IServerStreamWriter<AlertEvent> responseStream, ServerCallContext context)
    {
        backend.Record(nameof(SubscribeAlerts), context, request);
        var start = request.Cursor.Length == 0 ? 0 : backend.Events.FindIndex(e => e.Cursor == request.Cursor) + 1;
        foreach (var alertEvent in backend.Events.Skip(start))
        {
            await responseStream.WriteAsync(alertEvent);
        }

        await Task.Delay(Timeout.Infinite, context.CancellationToken).ContinueWith(_ => { });
    }
}

internal sealed class FakeClassificationService(FakeBackend backend) : ClassificationService.ClassificationServiceBase
{
    public override Task<Claim> GetClaim(GetClaimRequest request, ServerCallContext context)
    {
        backend.Record(nameof(GetClaim), context, request);
        return backend.Claims.TryGetValue(request.Id, out var claim)
            ? Task.FromResult(claim)
            : throw new RpcException(new Status(StatusCode.NotFound, $"id: no claim {request.Id}"));
    }

    public override Task<ListClaimsResponse> ListClaims(ListClaimsRequest request, ServerCallContext context)
    {
        backend.Record(nameof(ListClaims), context, request);
        var response = new ListClaimsResponse();
        response.Claims.AddRange(backend.Claims.Values.OrderBy(c => c.Id, StringComparer.Ordinal));
        return Task.FromResult(response);
    }
}
