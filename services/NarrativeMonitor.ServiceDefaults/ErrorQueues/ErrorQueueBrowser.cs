using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;

namespace NarrativeMonitor.ServiceDefaults.ErrorQueues;

/// <summary>One message of an error queue as read from the broker.</summary>
public sealed record FailedMessage(
    string MessageId,
    string Queue,
    string SourceQueue,
    IReadOnlyList<string> MessageTypes,
    string Reason,
    string ExceptionType,
    string ExceptionMessage,
    DateTimeOffset? FailedAt,
    int RetryCount,
    string ConsumerType,
    string StackTrace,
    ReadOnlyMemory<byte> Body,
    IReadOnlyDictionary<string, string> Headers);

public enum Disposition
{
    /// <summary>Back to the tail of the error queue.</summary>
    Keep,
    /// <summary>To the consumer's queue, without the fault headers.</summary>
    Replay,
    /// <summary>Acknowledged and dropped.</summary>
    Discard,
}

/// <summary>
/// Reads and moves the messages of the error queues of this process's consumers. Every operation walks the whole queue
/// once: basic.get each message, publish it (with confirms) where its disposition says, then ack it. Nothing is ever
/// requeued, so RabbitMQ 4's quorum-queue delivery limit cannot drop a message that is listed often, and the queue's
/// order is the same after the walk. A failure mid-walk leaves the unacked message on the broker, which gives it back to
/// the error queue when the channel closes: a message may be duplicated, never lost. Walks of one queue in this process
/// take turns; two replicas walking one queue at once can each miss the messages the other holds at that moment.
/// </summary>
public sealed partial class ErrorQueueBrowser(BrokerConnection broker, ConsumerEndpoints endpoints, ILogger<ErrorQueueBrowser> logger)
{
    public const string ErrorSuffix = "_error";

    private static readonly string[] FaultHeaderPrefixes = ["MT-Fault-", "MT-Reason", "MT-Host-"];
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _turns = new(StringComparer.Ordinal);

    public bool IsAvailable => broker.IsAvailable;

    /// <summary>(error queue, consumer queue) of every consumer endpoint of this process.</summary>
    public IReadOnlyList<(string ErrorQueue, string SourceQueue)> Queues =>
        [.. endpoints.QueueNames.Select(name => (name + ErrorSuffix, name))];

    /// <summary>The (error queue, consumer queue) that <paramref name="name"/> names, either way, or null.</summary>
    public (string ErrorQueue, string SourceQueue)? Resolve(string name) =>
        Queues.Select(q => ((string, string)?)q).FirstOrDefault(q => q!.Value.Item1 == name || q.Value.Item2 == name);

    public Task<uint?> CountAsync(string errorQueue, CancellationToken cancellationToken) => broker.MessageCountAsync(errorQueue, cancellationToken);

    /// <summary>
    /// Walks every message that was in <paramref name="errorQueue"/> when the walk began, in order, and does with each what
    /// <paramref name="decide"/> says. Answers the number of messages the queue held at the start.
    /// </summary>
    public async Task<int> WalkAsync(string errorQueue, string sourceQueue, Func<FailedMessage, Disposition> decide, CancellationToken cancellationToken)
    {
        var turn = _turns.GetOrAdd(errorQueue, _ => new SemaphoreSlim(1, 1));
        await turn.WaitAsync(cancellationToken);
        try
        {
            var count = await broker.MessageCountAsync(errorQueue, cancellationToken);
            if (count is not > 0)
            {
                return 0;
            }

            await using var channel = await broker.CreateChannelAsync(confirms: true, cancellationToken);
            for (var i = 0; i < count; i++)
            {
                // Once a message is taken it is settled even if the caller gives up: an abandoned walk only returns it.
                var got = await channel.BasicGetAsync(errorQueue, autoAck: false, cancellationToken);
                if (got is null)
                {
                    break;
                }

                var message = Read(got, errorQueue, sourceQueue);
                var disposition = decide(message);
                switch (disposition)
                {
                    case Disposition.Keep:
                        await channel.BasicPublishAsync("", errorQueue, true, new BasicProperties(got.BasicProperties), message.Body, CancellationToken.None);
                        break;
                    case Disposition.Replay:
                        await channel.BasicPublishAsync("", sourceQueue, true, WithoutFaultHeaders(got.BasicProperties), message.Body, CancellationToken.None);
                        LogReplayed(message.MessageId, errorQueue, sourceQueue);
                        break;
                    default:
                        LogDiscarded(message.MessageId, errorQueue);
                        break;
                }

                await channel.BasicAckAsync(got.DeliveryTag, false, CancellationToken.None);
            }

            return (int)count;
        }
        finally
        {
            turn.Release();
        }
    }

    private static BasicProperties WithoutFaultHeaders(IReadOnlyBasicProperties original)
    {
        var properties = new BasicProperties(original);
        if (original.Headers is { } headers)
        {
            properties.Headers = headers
                .Where(h => !FaultHeaderPrefixes.Any(prefix => h.Key.StartsWith(prefix, StringComparison.OrdinalIgnoreCase)))
                .ToDictionary(h => h.Key, h => h.Value);
        }

        return properties;
    }

    private static FailedMessage Read(BasicGetResult got, string errorQueue, string sourceQueue)
    {
        var body = got.Body.ToArray();
        var headers = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in got.BasicProperties.Headers ?? new Dictionary<string, object?>())
        {
            headers[key] = HeaderText(value);
        }

        var messageId = got.BasicProperties.MessageId is { Length: > 0 } id
            ? id
            : "sha256:" + Convert.ToHexStringLower(SHA256.HashData(body));
        return new FailedMessage(
            messageId,
            errorQueue,
            sourceQueue,
            MessageTypes(body),
            headers.GetValueOrDefault("MT-Reason", ""),
            headers.GetValueOrDefault("MT-Fault-ExceptionType", ""),
            headers.GetValueOrDefault("MT-Fault-Message", ""),
            DateTimeOffset.TryParse(headers.GetValueOrDefault("MT-Fault-Timestamp"), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : null,
            int.TryParse(headers.GetValueOrDefault("MT-Fault-RetryCount"), CultureInfo.InvariantCulture, out var retries) ? retries : 0,
            headers.GetValueOrDefault("MT-Fault-ConsumerType", ""),
            headers.GetValueOrDefault("MT-Fault-StackTrace", ""),
            body,
            headers);
    }

    private static string HeaderText(object? value) => value switch
    {
        null => "",
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        AmqpTimestamp timestamp => DateTimeOffset.FromUnixTimeSeconds(timestamp.UnixTime).ToString("O", CultureInfo.InvariantCulture),
        IEnumerable<object?> list when value is not string => "[" + string.Join(", ", list.Select(HeaderText)) + "]",
        IFormattable formattable => formattable.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>The envelope's messageType array (MassTransit's JSON serializer); empty for other bodies.</summary>
    private static IReadOnlyList<string> MessageTypes(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body);
            if (document.RootElement.ValueKind == JsonValueKind.Object
                && document.RootElement.TryGetProperty("messageType", out var types)
                && types.ValueKind == JsonValueKind.Array)
            {
                return [.. types.EnumerateArray().Where(t => t.ValueKind == JsonValueKind.String).Select(t => t.GetString()!)];
            }
        }
        catch (JsonException)
        {
            // Not MassTransit's JSON envelope: the body is still shown and moved as it is.
        }

        return [];
    }

    [LoggerMessage(LogLevel.Information, "Replayed {MessageId} from {ErrorQueue} to {SourceQueue}")]
    private partial void LogReplayed(string messageId, string errorQueue, string sourceQueue);

    [LoggerMessage(LogLevel.Information, "Discarded {MessageId} from {ErrorQueue}")]
    private partial void LogDiscarded(string messageId, string errorQueue);
}
