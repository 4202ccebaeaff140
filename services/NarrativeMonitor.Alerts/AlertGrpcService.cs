using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Protos.Alerts.V1;
using Proto = NarrativeMonitor.Protos.Alerts.V1;
using ProtoCommon = NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Alerts;

/// <summary>The AlertService gRPC API over <see cref="IAlertStore"/>.</summary>
public sealed class AlertGrpcService(IAlertStore store, TimeProvider time, ILogger<AlertGrpcService> logger) : AlertService.AlertServiceBase
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1_000;
    public const int MaxAnalystLength = 200;
    public const int MaxNoteLength = 4_000;
    private const int EventBatch = 256;

    public override async Task<ListAlertsResponse> ListAlerts(ListAlertsRequest request, ServerCallContext context)
    {
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw InvalidArgument("page_size", $"must be between 0 and {MaxPageSize} (0: {DefaultPageSize})");
        }

        if (!System.Enum.IsDefined(request.Kind))
        {
            throw InvalidArgument("kind", "unknown alert kind");
        }

        if (!System.Enum.IsDefined(request.State))
        {
            throw InvalidArgument("state", "unknown alert state");
        }

        if (request.PageToken.Length > 0 && !AlertPageToken.TryDecode(request.PageToken, out _, out _))
        {
            throw InvalidArgument("page_token", "not a next_page_token of a previous ListAlerts response");
        }

        var page = await store.ListAsync(new AlertQuery
        {
            ClaimId = NullIfEmpty(request.ClaimId),
            SourceId = NullIfEmpty(request.SourceId),
            Kind = request.Kind == ProtoCommon.AlertKind.Unspecified ? null : (Contracts.AlertKind)request.Kind,
            State = request.State == Proto.AlertState.Unspecified ? null : (AlertState)request.State,
            PageSize = request.PageSize == 0 ? DefaultPageSize : request.PageSize,
            PageToken = NullIfEmpty(request.PageToken),
        }, context.CancellationToken);

        var response = new ListAlertsResponse { NextPageToken = page.NextPageToken ?? "" };
        response.Alerts.AddRange(page.Alerts.Select(AlertMapping.ToProto));
        return response;
    }

    public override async Task<Alert> GetAlert(GetAlertRequest request, ServerCallContext context)
    {
        RequireId(request.Id);
        var alert = await store.GetAsync(request.Id, context.CancellationToken)
            ?? throw new RpcException(new Status(StatusCode.NotFound, $"id: no alert {request.Id}"));
        return AlertMapping.ToProto(alert);
    }

    public override async Task<Alert> AcknowledgeAlert(AcknowledgeAlertRequest request, ServerCallContext context)
    {
        RequireId(request.Id);
        if (string.IsNullOrWhiteSpace(request.Analyst))
        {
            throw InvalidArgument("analyst", "required");
        }

        if (request.Analyst.Length > MaxAnalystLength)
        {
            throw InvalidArgument("analyst", $"at most {MaxAnalystLength} characters");
        }

        if (request.Note.Length > MaxNoteLength)
        {
            throw InvalidArgument("note", $"at most {MaxNoteLength} characters");
        }

        var result = await store.AcknowledgeAsync(request.Id, request.Analyst.Trim(), request.Note, time.GetUtcNow(), context.CancellationToken);
        switch (result.Outcome)
        {
            case AcknowledgeOutcome.NotFound:
                throw new RpcException(new Status(StatusCode.NotFound, $"id: no alert {request.Id}"));
            case AcknowledgeOutcome.Withdrawn:
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"id: alert {request.Id} was withdrawn"));
            case AcknowledgeOutcome.Acknowledged:
                logger.LogInformation("Alert {AlertId} acknowledged by {Analyst}", request.Id, request.Analyst);
                break;
        }

        return AlertMapping.ToProto(result.Alert!);
    }

    public override async Task SubscribeAlerts(SubscribeAlertsRequest request, IServerStreamWriter<AlertEvent> responseStream, ServerCallContext context)
    {
        if (request.Cursor.Length > 0 && !store.IsValidCursor(request.Cursor))
        {
            throw InvalidArgument("cursor", "not the cursor of an AlertEvent of this service");
        }

        var cancellationToken = context.CancellationToken;
        try
        {
            var cursor = request.Cursor.Length > 0 ? request.Cursor
                : request.FromBeginning ? null
                : await store.LatestCursorAsync(cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                var events = await store.ReadEventsAsync(cursor, EventBatch, cancellationToken);
                if (events.Count == 0)
                {
                    await store.WaitForEventsAsync(cursor, cancellationToken);
                    continue;
                }

                foreach (var appended in events)
                {
                    await responseStream.WriteAsync(AlertMapping.ToProto(appended), cancellationToken);
                    cursor = appended.Cursor;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The subscriber went away: the normal end of a subscription.
        }
    }

    private static void RequireId(string id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw InvalidArgument("id", "required");
        }
    }

    private static RpcException InvalidArgument(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {problem}"));

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;
}

public static class AlertMapping
{
    public static Alert ToProto(AlertRecord record)
    {
        var episode = record.Episode;
        var alert = new Alert
        {
            Id = episode.Id,
            ClaimId = episode.ClaimId,
            SourceId = episode.SourceId,
            Kind = (ProtoCommon.AlertKind)episode.Kind,
            Severity = (Proto.AlertSeverity)episode.Severity,
            State = (Proto.AlertState)record.State,
            RaisedAt = Timestamp.FromDateTimeOffset(episode.RaisedAt),
            ResolvedAt = episode.ResolvedAt is { } resolvedAt ? Timestamp.FromDateTimeOffset(resolvedAt) : null,
            ResolvingArticleId = episode.ResolvingArticleId ?? "",
            Evidence = new AlertEvidence { ConfirmedAt = Timestamp.FromDateTimeOffset(episode.ConfirmedAt) },
            AcknowledgedBy = record.Acknowledgement?.Analyst ?? "",
            AcknowledgementNote = record.Acknowledgement?.Note ?? "",
            AcknowledgedAt = record.Acknowledgement is { } acknowledgement ? Timestamp.FromDateTimeOffset(acknowledgement.At) : null,
        };
        alert.Evidence.DivergingArticleIds.AddRange(episode.DivergingArticleIds);
        alert.Evidence.EvidenceSentences.AddRange(episode.EvidenceSentences);
        alert.Evidence.ConfirmingArticleIds.AddRange(episode.ConfirmingArticleIds);
        return alert;
    }

    public static AlertEvent ToProto(AlertEventRecord record) => new()
    {
        Cursor = record.Cursor,
        Type = (Proto.AlertEventType)record.Type,
        Alert = ToProto(record.Alert),
        RecordedAt = Timestamp.FromDateTimeOffset(record.RecordedAt),
    };
}
