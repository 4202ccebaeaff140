using System.Globalization;
using System.Text;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Protos.Admin.V1;
using RabbitMQ.Client.Exceptions;

namespace NarrativeMonitor.ServiceDefaults.ErrorQueues;

/// <summary>narrativemonitor.admin.v1.ErrorQueueService over <see cref="ErrorQueueBrowser"/>.</summary>
public sealed class ErrorQueueGrpcService(ErrorQueueBrowser browser) : ErrorQueueService.ErrorQueueServiceBase
{
    public const int DefaultPageSize = 50;
    public const int MaxPageSize = 500;

    public override async Task<ListErrorQueuesResponse> ListErrorQueues(ListErrorQueuesRequest request, ServerCallContext context)
    {
        RequireBroker();
        var response = new ListErrorQueuesResponse();
        foreach (var (errorQueue, sourceQueue) in browser.Queues)
        {
            var count = await Broker(() => browser.CountAsync(errorQueue, context.CancellationToken));
            response.Queues.Add(new ErrorQueue { Name = errorQueue, SourceQueue = sourceQueue, MessageCount = count ?? 0, Exists = count is not null });
        }

        return response;
    }

    public override async Task<ListErrorMessagesResponse> ListErrorMessages(ListErrorMessagesRequest request, ServerCallContext context)
    {
        RequireBroker();
        var (errorQueue, sourceQueue) = ResolveQueue(request.Queue);
        if (request.PageSize > MaxPageSize)
        {
            throw Invalid("page_size", $"at most {MaxPageSize}");
        }

        var pageSize = request.PageSize == 0 ? DefaultPageSize : (int)request.PageSize;
        var offset = 0;
        if (request.PageToken.Length > 0 && (!int.TryParse(request.PageToken, NumberStyles.None, CultureInfo.InvariantCulture, out offset) || offset < 0))
        {
            throw Invalid("page_token", "not a page token of this API");
        }

        var page = new List<FailedMessage>(pageSize);
        var position = 0;
        var total = await Broker(() => browser.WalkAsync(errorQueue, sourceQueue, message =>
        {
            if (position >= offset && position < offset + pageSize)
            {
                page.Add(message);
            }

            position++;
            return Disposition.Keep;
        }, context.CancellationToken));

        var response = new ListErrorMessagesResponse { Total = (uint)total };
        response.Messages.AddRange(page.Select(m => ToProto(m, details: false)));
        if (offset + pageSize < position)
        {
            response.NextPageToken = (offset + pageSize).ToString(CultureInfo.InvariantCulture);
        }

        return response;
    }

    public override async Task<ErrorMessage> GetErrorMessage(GetErrorMessageRequest request, ServerCallContext context)
    {
        RequireBroker();
        var (errorQueue, sourceQueue) = ResolveQueue(request.Queue);
        if (request.MessageId.Length == 0)
        {
            throw Invalid("message_id", "required");
        }

        FailedMessage? found = null;
        await Broker(() => browser.WalkAsync(errorQueue, sourceQueue, message =>
        {
            found ??= message.MessageId == request.MessageId ? message : null;
            return Disposition.Keep;
        }, context.CancellationToken));
        return found is null
            ? throw new RpcException(new Status(StatusCode.NotFound, $"message_id: no message {request.MessageId} in {errorQueue}"))
            : ToProto(found, details: true);
    }

    public override async Task<ReplayErrorMessagesResponse> ReplayErrorMessages(ReplayErrorMessagesRequest request, ServerCallContext context)
    {
        var (done, notFound) = await MoveAsync(request.Queue, request.MessageIds, request.All, Disposition.Replay, context.CancellationToken);
        var response = new ReplayErrorMessagesResponse();
        response.ReplayedIds.AddRange(done);
        response.NotFoundIds.AddRange(notFound);
        return response;
    }

    public override async Task<DiscardErrorMessagesResponse> DiscardErrorMessages(DiscardErrorMessagesRequest request, ServerCallContext context)
    {
        var (done, notFound) = await MoveAsync(request.Queue, request.MessageIds, request.All, Disposition.Discard, context.CancellationToken);
        var response = new DiscardErrorMessagesResponse();
        response.DiscardedIds.AddRange(done);
        response.NotFoundIds.AddRange(notFound);
        return response;
    }

    private async Task<(List<string> Done, List<string> NotFound)> MoveAsync(
        string queue, IReadOnlyCollection<string> ids, bool all, Disposition disposition, CancellationToken cancellationToken)
    {
        RequireBroker();
        var (errorQueue, sourceQueue) = ResolveQueue(queue);
        if (all == (ids.Count > 0))
        {
            throw Invalid("message_ids", "give message ids or set all, not both or neither");
        }

        if (ids.FirstOrDefault(id => id.Length == 0) is not null)
        {
            throw Invalid("message_ids", "an id is empty");
        }

        var wanted = ids.ToHashSet(StringComparer.Ordinal);
        var done = new List<string>();
        await Broker(() => browser.WalkAsync(errorQueue, sourceQueue, message =>
        {
            // A duplicated message (see ErrorQueueBrowser) shares its id: every copy moves.
            if (!all && !wanted.Contains(message.MessageId))
            {
                return Disposition.Keep;
            }

            done.Add(message.MessageId);
            return disposition;
        }, cancellationToken));
        return (done, [.. wanted.Where(id => !done.Contains(id, StringComparer.Ordinal)).Order(StringComparer.Ordinal)]);
    }

    private void RequireBroker()
    {
        if (!browser.IsAvailable)
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition,
                "error queues need the RabbitMQ transport (Messaging:Transport=RabbitMq); the in-memory transport keeps failed messages inside the process, out of reach"));
        }
    }

    private (string ErrorQueue, string SourceQueue) ResolveQueue(string queue)
    {
        if (queue.Length == 0)
        {
            throw Invalid("queue", "required");
        }

        return browser.Resolve(queue) ?? throw Invalid("queue",
            $"'{queue}' is not an error queue of this service (it has: {string.Join(", ", browser.Queues.Select(q => q.ErrorQueue))})");
    }

    private static async Task<T> Broker<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (Exception ex) when (ex is BrokerUnreachableException or OperationInterruptedException or AlreadyClosedException or PublishException or System.Net.Sockets.SocketException)
        {
            throw new RpcException(new Status(StatusCode.Unavailable, $"the message broker did not complete the operation; nothing was lost, retry ({ex.Message})"));
        }
    }

    private static RpcException Invalid(string field, string reason) => new(new Status(StatusCode.InvalidArgument, $"{field}: {reason}"));

    private static ErrorMessage ToProto(FailedMessage message, bool details)
    {
        var proto = new ErrorMessage
        {
            MessageId = message.MessageId,
            Queue = message.Queue,
            SourceQueue = message.SourceQueue,
            Reason = message.Reason,
            ExceptionType = message.ExceptionType,
            ExceptionMessage = message.ExceptionMessage,
            RetryCount = (uint)Math.Max(0, message.RetryCount),
            ConsumerType = message.ConsumerType,
            BodySize = (uint)message.Body.Length,
        };
        proto.MessageTypes.AddRange(message.MessageTypes);
        if (message.FailedAt is { } failedAt)
        {
            proto.FailedAt = Timestamp.FromDateTimeOffset(failedAt);
        }

        if (details)
        {
            proto.StackTrace = message.StackTrace;
            proto.Body = Encoding.UTF8.GetString(message.Body.Span);
            foreach (var (key, value) in message.Headers)
            {
                proto.Headers[key] = value;
            }
        }

        return proto;
    }
}
