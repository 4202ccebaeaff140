using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Proto = NarrativeMonitor.Protos.Alerts.V1;
using ProtoCommon = NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Alerts.Webhooks;

/// <summary>The WebhookService gRPC API: registrations and the delivery log. The secret is taken, never returned.</summary>
public sealed partial class WebhookGrpcService(IWebhookStore store, IAlertStore alerts, TimeProvider time, ILogger<WebhookGrpcService> logger)
    : Proto.WebhookService.WebhookServiceBase
{
    public const int MaxUrlLength = 2_048;
    public const int MinSecretLength = 16;
    public const int MaxSecretLength = 512;
    public const int MaxDescriptionLength = 1_000;
    public const int MaxFilterValues = 100;
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1_000;

    public override async Task<Proto.Webhook> CreateWebhook(Proto.CreateWebhookRequest request, ServerCallContext context)
    {
        var webhook = new WebhookRecord
        {
            Id = "wh-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)),
            Url = ValidUrl(request.Url),
            Format = request.Format switch
            {
                Proto.WebhookFormat.Unspecified or Proto.WebhookFormat.Json => WebhookFormat.Json,
                Proto.WebhookFormat.Slack => WebhookFormat.Slack,
                _ => throw InvalidArgument("format", "unknown webhook format"),
            },
            Filter = ValidFilter(request.Filter ?? new Proto.WebhookFilter()),
            Secret = ValidSecret(request.Secret),
            CreatedAt = time.GetUtcNow(),
            Description = request.Description.Length <= MaxDescriptionLength
                ? request.Description
                : throw InvalidArgument("description", $"at most {MaxDescriptionLength} characters"),
        };

        // Events from now on reach the webhook even if no dispatcher has run yet.
        await store.InitializeCursorAsync(await alerts.LatestCursorAsync(context.CancellationToken), context.CancellationToken);
        await store.CreateAsync(webhook, context.CancellationToken);
        LogCreated(webhook.Id, new Uri(webhook.Url).Host, webhook.Format);
        return ToProto(webhook);
    }

    public override async Task<Proto.ListWebhooksResponse> ListWebhooks(Proto.ListWebhooksRequest request, ServerCallContext context)
    {
        var response = new Proto.ListWebhooksResponse();
        response.Webhooks.AddRange((await store.ListAsync(context.CancellationToken)).Select(ToProto));
        return response;
    }

    public override async Task<Proto.DeleteWebhookResponse> DeleteWebhook(Proto.DeleteWebhookRequest request, ServerCallContext context)
    {
        RequireId("id", request.Id);
        var deleted = await store.DeleteAsync(request.Id, time.GetUtcNow(), context.CancellationToken);
        if (deleted)
        {
            LogDeleted(request.Id);
        }

        return new Proto.DeleteWebhookResponse { Deleted = deleted };
    }

    public override async Task<Proto.ListDeliveriesResponse> ListDeliveries(Proto.ListDeliveriesRequest request, ServerCallContext context)
    {
        RequireId("webhook_id", request.WebhookId);
        if (request.PageSize is < 0 or > MaxPageSize)
        {
            throw InvalidArgument("page_size", $"must be between 0 and {MaxPageSize} (0: {DefaultPageSize})");
        }

        long? before = null;
        if (request.PageToken.Length > 0)
        {
            if (!long.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out var sequence) || sequence <= 0)
            {
                throw InvalidArgument("page_token", "not a next_page_token of a previous ListDeliveries response");
            }

            before = sequence;
        }

        var page = await store.ListDeliveriesAsync(request.WebhookId, request.PageSize == 0 ? DefaultPageSize : request.PageSize, before, context.CancellationToken);
        if (page.Deliveries.Count == 0 && before is null && await store.GetAsync(request.WebhookId, context.CancellationToken) is null)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"webhook_id: no webhook {request.WebhookId} and no deliveries logged for it"));
        }

        var response = new Proto.ListDeliveriesResponse { NextPageToken = page.NextBefore?.ToString(CultureInfo.InvariantCulture) ?? "" };
        response.Deliveries.AddRange(page.Deliveries.Select(ToProto));
        return response;
    }

    public static Proto.Webhook ToProto(WebhookRecord webhook)
    {
        var proto = new Proto.Webhook
        {
            Id = webhook.Id,
            Url = webhook.Url,
            Format = (Proto.WebhookFormat)webhook.Format,
            CreatedAt = Timestamp.FromDateTimeOffset(webhook.CreatedAt),
            Description = webhook.Description,
            Filter = new Proto.WebhookFilter { MinSeverity = (Proto.AlertSeverity)(webhook.Filter.MinSeverity ?? 0) },
        };
        proto.Filter.ClaimIds.AddRange(webhook.Filter.ClaimIds);
        proto.Filter.SourceIds.AddRange(webhook.Filter.SourceIds);
        proto.Filter.Kinds.AddRange(webhook.Filter.Kinds.Select(k => (ProtoCommon.AlertKind)k));
        proto.Filter.EventTypes.AddRange(webhook.Filter.EventTypes.Select(t => (Proto.AlertEventType)t));
        return proto;
    }

    public static Proto.Delivery ToProto(DeliveryRecord delivery) => new()
    {
        Id = delivery.Id,
        WebhookId = delivery.WebhookId,
        EventCursor = delivery.EventCursor,
        AlertId = delivery.AlertId,
        EventType = (Proto.AlertEventType)delivery.EventType,
        Status = (Proto.DeliveryStatus)delivery.Status,
        Attempts = delivery.Attempts,
        LastHttpStatus = delivery.LastHttpStatus,
        LastError = delivery.LastError,
        LastAttemptAt = delivery.LastAttemptAt is { } last ? Timestamp.FromDateTimeOffset(last) : null,
        NextAttemptAt = delivery.NextAttemptAt is { } next && !delivery.IsFinished ? Timestamp.FromDateTimeOffset(next) : null,
    };

    private static string ValidUrl(string url)
    {
        if (url.Length == 0)
        {
            throw InvalidArgument("url", "required");
        }

        if (url.Length > MaxUrlLength)
        {
            throw InvalidArgument("url", $"at most {MaxUrlLength} characters");
        }

        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps) || uri.Host.Length == 0)
        {
            throw InvalidArgument("url", "must be an absolute http or https URL");
        }

        return uri.AbsoluteUri;
    }

    private static string ValidSecret(string secret)
    {
        if (secret.Length < MinSecretLength)
        {
            throw InvalidArgument("secret", $"required, at least {MinSecretLength} characters");
        }

        return secret.Length <= MaxSecretLength ? secret : throw InvalidArgument("secret", $"at most {MaxSecretLength} characters");
    }

    private static WebhookFilterRecord ValidFilter(Proto.WebhookFilter filter)
    {
        ValidIds("filter.claim_ids", filter.ClaimIds);
        ValidIds("filter.source_ids", filter.SourceIds);
        if (filter.Kinds.Count > MaxFilterValues)
        {
            throw InvalidArgument("filter.kinds", $"at most {MaxFilterValues} values");
        }

        for (var i = 0; i < filter.Kinds.Count; i++)
        {
            if (filter.Kinds[i] == ProtoCommon.AlertKind.Unspecified || !System.Enum.IsDefined(filter.Kinds[i]))
            {
                throw InvalidArgument($"filter.kinds[{i}]", "must be a known alert kind");
            }
        }

        if (filter.EventTypes.Count > MaxFilterValues)
        {
            throw InvalidArgument("filter.event_types", $"at most {MaxFilterValues} values");
        }

        for (var i = 0; i < filter.EventTypes.Count; i++)
        {
            if (filter.EventTypes[i] == Proto.AlertEventType.Unspecified || !System.Enum.IsDefined(filter.EventTypes[i]))
            {
                throw InvalidArgument($"filter.event_types[{i}]", "must be a known alert event type");
            }
        }

        if (!System.Enum.IsDefined(filter.MinSeverity))
        {
            throw InvalidArgument("filter.min_severity", "unknown alert severity");
        }

        return new WebhookFilterRecord
        {
            ClaimIds = filter.ClaimIds.Distinct(StringComparer.Ordinal).ToList(),
            SourceIds = filter.SourceIds.Distinct(StringComparer.Ordinal).ToList(),
            Kinds = filter.Kinds.Distinct().Select(k => (Contracts.AlertKind)k).ToList(),
            EventTypes = filter.EventTypes.Distinct().Select(t => (AlertEventType)t).ToList(),
            MinSeverity = filter.MinSeverity == Proto.AlertSeverity.Unspecified ? null : (Contracts.AlertSeverity)filter.MinSeverity,
        };
    }

    private static void ValidIds(string field, IReadOnlyList<string> ids)
    {
        if (ids.Count > MaxFilterValues)
        {
            throw InvalidArgument(field, $"at most {MaxFilterValues} values");
        }

        for (var i = 0; i < ids.Count; i++)
        {
            if (!IdPattern().IsMatch(ids[i]))
            {
                throw InvalidArgument($"{field}[{i}]", "must be 1 to 64 of A-Z a-z 0-9 . _ -");
            }
        }
    }

    private static void RequireId(string field, string id)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            throw InvalidArgument(field, "required");
        }
    }

    private static RpcException InvalidArgument(string field, string problem) =>
        new(new Status(StatusCode.InvalidArgument, $"{field}: {problem}"));

    [GeneratedRegex(@"^[A-Za-z0-9._-]{1,64}\z", RegexOptions.CultureInvariant)]
    private static partial Regex IdPattern();

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookId} registered: {Format} to host {Host}")]
    private partial void LogCreated(string webhookId, string host, WebhookFormat format);

    [LoggerMessage(LogLevel.Information, "Webhook {WebhookId} deleted")]
    private partial void LogDeleted(string webhookId);
}
