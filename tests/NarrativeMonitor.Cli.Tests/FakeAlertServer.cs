using System.Collections.Concurrent;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Cli.Tests;

/// <summary>
/// An AlertService with the RPCs and fields the real service is gaining (explanations, audit, ResolveAlert,
/// GetClaimTimeline), served by Kestrel on loopback over HTTP/2, so the CLI's side of them is tested over real gRPC.
/// SubscribeAlerts is left unimplemented, as an older server would.
/// </summary>
public sealed class FakeAlertServer : IAsyncLifetime
{
    private WebApplication? _app;

    public string Address { get; private set; } = "";

    public FakeAlertService Service { get; } = new();

    public async Task InitializeAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        builder.Services.AddGrpc();
        builder.Services.AddSingleton(Service);
        _app = builder.Build();
        _app.MapGrpcService<FakeAlertService>();
        await _app.StartAsync();
        Address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}

public sealed class FakeAlertService : AlertService.AlertServiceBase
{
    public const string AlertId = "al-fake-omission";

    /// <summary>The request headers of every call, for the credential tests.</summary>
    public ConcurrentQueue<Metadata> Headers { get; } = new();

    public ConcurrentQueue<ResolveAlertRequest> Resolutions { get; } = new();

    public static Alert Omission()
    {
        var alert = new Alert
        {
            Id = AlertId,
            ClaimId = "dprk-troops-kursk",
            SourceId = "tass",
            Kind = AlertKind.Omission,
            Severity = AlertSeverity.Medium,
            State = AlertState.Open,
            RaisedAt = Time(2024, 11, 22, 7),
            Evidence = new AlertEvidence { ConfirmedAt = Time(2024, 11, 12, 19) },
            Explanation = new AlertExplanation
            {
                Summary = "TASS published 3 articles on fighting in Kursk Oblast between 16 and 22 Nov 2024 without mentioning that North Korean troops are " +
                    "fighting for Russia in Kursk Oblast, after ISW (12 Nov 2024) and Reuters (13 Nov 2024) confirmed it.",
                ClaimStatement = "North Korean troops are fighting alongside Russian forces in Kursk Oblast",
                ClaimTopic = "fighting in Russia's Kursk Oblast",
                OnTopicArticleCount = 3,
            },
        };
        alert.Evidence.DivergingArticleIds.AddRange(["tass-002", "tass-003"]);
        alert.Explanation.ConfirmingArticles.Add(new ArticleReference
        {
            ArticleId = "isw-002", SourceId = "isw", Url = "https://www.understandingwar.org/backgrounder/kursk-1112", Title = "ISW confirms DPRK troops in combat",
            PublishedAt = Time(2024, 11, 12, 19), Stance = Stance.Acknowledges, EvidenceSentence = "North Korean troops are fighting in Kursk Oblast.",
        });
        alert.Explanation.DivergingArticles.Add(new ArticleReference
        {
            ArticleId = "tass-002", SourceId = "tass", Url = "https://tass.com/defense/kursk-2211", Title = "Russian troops retake two villages in Kursk region",
            PublishedAt = Time(2024, 11, 22, 7), Stance = Stance.Omits,
        });
        alert.Audit.Add(new AlertAuditEntry { Type = AlertEventType.Raised, Actor = "system", At = Time(2024, 11, 22, 7, 1) });
        return alert;
    }

    public override Task<Alert> GetAlert(GetAlertRequest request, ServerCallContext context)
    {
        Headers.Enqueue(context.RequestHeaders);
        return request.Id == AlertId
            ? Task.FromResult(Omission())
            : throw new RpcException(new Status(StatusCode.NotFound, $"id: no alert {request.Id}"));
    }

    public override Task<Alert> ResolveAlert(ResolveAlertRequest request, ServerCallContext context)
    {
        Headers.Enqueue(context.RequestHeaders);
        if (request.Reason.Length == 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, "reason: required"));
        }

        Resolutions.Enqueue(request);
        var alert = Omission();
        alert.State = AlertState.Resolved;
        alert.ResolvedAt = Time(2024, 12, 1, 9);
        alert.ResolvedBy = request.Analyst;
        alert.ResolutionReason = request.Reason;
        alert.Audit.Add(new AlertAuditEntry { Type = AlertEventType.Resolved, Actor = request.Analyst, Note = request.Reason, At = Time(2024, 12, 1, 9) });
        return Task.FromResult(alert);
    }

    public override Task<ClaimTimeline> GetClaimTimeline(GetClaimTimelineRequest request, ServerCallContext context)
    {
        Headers.Enqueue(context.RequestHeaders);
        var timeline = new ClaimTimeline { ClaimId = request.ClaimId, ConfirmedAt = Time(2024, 11, 12, 19) };
        var isw = new OutletTimeline { SourceId = "isw", SourceKind = SourceKind.Analysis };
        isw.Days.Add(new TimelineDay { Date = "2024-11-12", Acknowledges = 1 });
        var tass = new OutletTimeline { SourceId = "tass", SourceKind = SourceKind.StateMedia };
        tass.Days.Add(new TimelineDay { Date = "2024-11-10", Omits = 1 });
        tass.Days.Add(new TimelineDay { Date = "2024-11-16", Omits = 2, Deflects = 1 });
        tass.Days.Add(new TimelineDay { Date = "2024-11-22", Omits = 4 });
        foreach (var outlet in new[] { isw, tass }.Where(o => request.SourceIds.Count == 0 || request.SourceIds.Contains(o.SourceId)))
        {
            timeline.Outlets.Add(outlet);
        }

        return Task.FromResult(timeline);
    }

    private static Timestamp Time(int year, int month, int day, int hour, int minute = 0) =>
        Timestamp.FromDateTimeOffset(new DateTimeOffset(year, month, day, hour, minute, 0, TimeSpan.Zero));
}
