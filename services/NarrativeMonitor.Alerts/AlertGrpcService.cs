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

        var raisedAfter = OptionalTime(request.RaisedAfter, "raised_after");
        var raisedBefore = OptionalTime(request.RaisedBefore, "raised_before");
        if (raisedAfter is not null && raisedBefore is not null && raisedBefore <= raisedAfter)
        {
            throw InvalidArgument("raised_before", "must be later than raised_after");
        }

        var page = await store.ListAsync(new AlertQuery
        {
            RaisedAfter = raisedAfter,
            RaisedBefore = raisedBefore,
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
        RequireAnalyst(request.Analyst);
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

        if (!System.Enum.IsDefined(request.Kind))
        {
            throw InvalidArgument("kind", "unknown alert kind");
        }

        var filter = new AlertQuery
        {
            ClaimId = NullIfEmpty(request.ClaimId),
            SourceId = NullIfEmpty(request.SourceId),
            Kind = request.Kind == ProtoCommon.AlertKind.Unspecified ? null : (Contracts.AlertKind)request.Kind,
        };

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
                    // The cursor moves past filtered-out events too, so a quiet filter never re-reads them.
                    if (filter.MatchesSubject(appended.Alert))
                    {
                        await responseStream.WriteAsync(AlertMapping.ToProto(appended), cancellationToken);
                    }

                    cursor = appended.Cursor;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The subscriber went away: the normal end of a subscription.
        }
    }

    public override async Task<Alert> ResolveAlert(ResolveAlertRequest request, ServerCallContext context)
    {
        RequireId(request.Id);
        RequireAnalyst(request.Analyst);
        if (string.IsNullOrWhiteSpace(request.Reason))
        {
            throw InvalidArgument("reason", "required");
        }

        if (request.Reason.Length > MaxNoteLength)
        {
            throw InvalidArgument("reason", $"at most {MaxNoteLength} characters");
        }

        var result = await store.ResolveAsync(request.Id, request.Analyst.Trim(), request.Reason.Trim(), time.GetUtcNow(), context.CancellationToken);
        switch (result.Outcome)
        {
            case ResolveOutcome.NotFound:
                throw new RpcException(new Status(StatusCode.NotFound, $"id: no alert {request.Id}"));
            case ResolveOutcome.Withdrawn:
                throw new RpcException(new Status(StatusCode.FailedPrecondition, $"id: alert {request.Id} was withdrawn"));
            case ResolveOutcome.Resolved:
                logger.LogInformation("Alert {AlertId} resolved by {Analyst}", request.Id, request.Analyst);
                break;
        }

        return AlertMapping.ToProto(result.Alert!);
    }

    public override async Task<ClaimTimeline> GetClaimTimeline(GetClaimTimelineRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.ClaimId))
        {
            throw InvalidArgument("claim_id", "required");
        }

        var from = OptionalTime(request.From, "from") is { } fromTime ? DateOnly.FromDateTime(fromTime.UtcDateTime) : DateOnly.MinValue;
        var to = OptionalTime(request.To, "to") ?? time.GetUtcNow().UtcDateTime.Date.AddDays(1);
        if (request.From is not null && request.To is not null && to <= request.From.ToDateTimeOffset())
        {
            throw InvalidArgument("to", "must be later than from");
        }

        for (var i = 0; i < request.SourceIds.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(request.SourceIds[i]))
            {
                throw InvalidArgument($"source_ids[{i}]", "must not be empty");
            }
        }

        var data = await store.ReadTimelineAsync(request.ClaimId, context.CancellationToken);
        return TimelineMapping.ToProto(request.ClaimId, data, from, to, request.SourceIds.ToHashSet(StringComparer.Ordinal));
    }

    private static DateTimeOffset? OptionalTime(Timestamp? timestamp, string field)
    {
        if (timestamp is null)
        {
            return null;
        }

        try
        {
            return timestamp.ToDateTimeOffset();
        }
        catch (InvalidOperationException)
        {
            throw InvalidArgument(field, "not a valid timestamp");
        }
    }

    private static void RequireAnalyst(string analyst)
    {
        if (string.IsNullOrWhiteSpace(analyst))
        {
            throw InvalidArgument("analyst", "required");
        }

        if (analyst.Length > MaxAnalystLength)
        {
            throw InvalidArgument("analyst", $"at most {MaxAnalystLength} characters");
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
            Explanation = ToProto(episode.Explanation ?? AlertExplanations.Fallback(episode)),
        };
        alert.Evidence.DivergingArticleIds.AddRange(episode.DivergingArticleIds);
        alert.Evidence.EvidenceSentences.AddRange(episode.EvidenceSentences);
        alert.Evidence.ConfirmingArticleIds.AddRange(episode.ConfirmingArticleIds);
        alert.Audit.AddRange(record.Audit.Select(entry => new Proto.AlertAuditEntry
        {
            Type = (Proto.AlertEventType)entry.Type,
            Actor = entry.Actor,
            Note = entry.Note,
            At = Timestamp.FromDateTimeOffset(entry.At),
        }));
        if (record.Resolution is { } resolution)
        {
            // The analyst resolved it first; the outlet's acknowledgement, if any came later, stays in the evidence.
            alert.ResolvedBy = resolution.Analyst;
            alert.ResolutionReason = resolution.Reason;
            alert.ResolvedAt ??= Timestamp.FromDateTimeOffset(resolution.At);
        }
        else if (episode.IsResolved)
        {
            alert.ResolutionReason = AlertExplanations.ResolutionReason(episode);
        }

        return alert;
    }

    public static Proto.AlertExplanation ToProto(AlertExplanationRecord explanation)
    {
        var proto = new Proto.AlertExplanation
        {
            Summary = explanation.Summary,
            ClaimStatement = explanation.ClaimStatement ?? "",
            ClaimTopic = explanation.ClaimTopic ?? "",
            OnTopicArticleCount = explanation.OnTopicArticleCount,
            WindowStart = Timestamp.FromDateTimeOffset(explanation.WindowStart),
            WindowEnd = Timestamp.FromDateTimeOffset(explanation.WindowEnd),
        };
        proto.ConfirmingArticles.AddRange(explanation.ConfirmingArticles.Select(ToProto));
        proto.DivergingArticles.AddRange(explanation.DivergingArticles.Select(ToProto));
        return proto;
    }

    private static ArticleReference ToProto(ArticleRef article) => new()
    {
        ArticleId = article.ArticleId,
        SourceId = article.SourceId,
        Url = article.Url ?? "",
        Title = article.Title ?? "",
        PublishedAt = Timestamp.FromDateTimeOffset(article.PublishedAt),
        Stance = (ProtoCommon.Stance)article.Stance,
        EvidenceSentence = article.Evidence ?? "",
    };

    public static AlertEvent ToProto(AlertEventRecord record) => new()
    {
        Cursor = record.Cursor,
        Type = (Proto.AlertEventType)record.Type,
        Alert = ToProto(record.Alert),
        RecordedAt = Timestamp.FromDateTimeOffset(record.RecordedAt),
    };
}

public static class TimelineMapping
{
    /// <summary>
    /// The claim's timeline over the days [<paramref name="from"/>, <paramref name="to"/>): sources that are not state
    /// media first, then state outlets, each by id; per source the days with at least one article, in order.
    /// </summary>
    public static ClaimTimeline ToProto(string claimId, ClaimTimelineData data, DateOnly from, DateTimeOffset to, IReadOnlySet<string> sources)
    {
        var timeline = new ClaimTimeline { ClaimId = claimId };
        if (DivergenceRules.Confirm(data.Confirmations, data.Rules.ConfirmationSources) is { } confirmation)
        {
            timeline.ConfirmedAt = Timestamp.FromDateTimeOffset(confirmation.ConfirmedAt);
        }

        var included = data.Counts.Where(c =>
            c.Day >= from && new DateTimeOffset(c.Day.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) < to &&
            (sources.Count == 0 || sources.Contains(c.SourceId)));
        foreach (var outlet in included
                     .GroupBy(c => c.SourceId, StringComparer.Ordinal)
                     .Select(g => (SourceId: g.Key, Kind: g.First().SourceKind, Counts: g.ToList()))
                     .OrderBy(o => o.Kind == Contracts.SourceKind.StateMedia)
                     .ThenBy(o => o.SourceId, StringComparer.Ordinal))
        {
            var proto = new OutletTimeline { SourceId = outlet.SourceId, SourceKind = (ProtoCommon.SourceKind)outlet.Kind };
            foreach (var day in outlet.Counts.GroupBy(c => c.Day).OrderBy(g => g.Key))
            {
                var entry = new TimelineDay { Date = day.Key.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture) };
                foreach (var count in day)
                {
                    switch (count.Stance)
                    {
                        case Contracts.Stance.Acknowledges: entry.Acknowledges += count.Articles; break;
                        case Contracts.Stance.Denies: entry.Denies += count.Articles; break;
                        case Contracts.Stance.Deflects: entry.Deflects += count.Articles; break;
                        case Contracts.Stance.Discusses: entry.Discusses += count.Articles; break;
                        case Contracts.Stance.Omits: entry.Omits += count.Articles; break;
                    }
                }

                proto.Days.Add(entry);
            }

            timeline.Outlets.Add(proto);
        }

        return timeline;
    }
}
