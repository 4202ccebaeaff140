using Microsoft.Extensions.Options;
using RabbitMQ.Client;

namespace NarrativeMonitor.ServiceDefaults;

/// <summary>
/// One plain RabbitMQ.Client connection of the process, beside MassTransit's, for what MassTransit does not do: reading
/// queue depths and moving messages out of error queues. Opened on first use; <see cref="IsAvailable"/> is false with
/// the in-memory transport.
/// </summary>
public sealed class BrokerConnection(IOptions<MessagingOptions> options) : IAsyncDisposable
{
    private readonly SemaphoreSlim _connecting = new(1, 1);
    private IConnection? _connection;

    public bool IsAvailable => options.Value.Transport == MessagingTransport.RabbitMq;

    /// <summary>A new channel; with <paramref name="confirms"/>, each publish waits for the broker's confirm and throws on a nack or a return.</summary>
    public async Task<IChannel> CreateChannelAsync(bool confirms, CancellationToken cancellationToken)
    {
        var connection = await ConnectAsync(cancellationToken);
        return await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: confirms, publisherConfirmationTrackingEnabled: confirms), cancellationToken);
    }

    /// <summary>Ready messages in <paramref name="queue"/>, or null when the broker has no such queue.</summary>
    public async Task<uint?> MessageCountAsync(string queue, CancellationToken cancellationToken)
    {
        // A passive declare of a missing queue closes the channel (404), so each probe gets a channel of its own.
        await using var channel = await CreateChannelAsync(false, cancellationToken);
        try
        {
            return (await channel.QueueDeclarePassiveAsync(queue, cancellationToken)).MessageCount;
        }
        catch (RabbitMQ.Client.Exceptions.OperationInterruptedException ex) when (ex.ShutdownReason?.ReplyCode == 404)
        {
            return null;
        }
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        if (!IsAvailable)
        {
            throw new InvalidOperationException("The broker connection needs Messaging:Transport=RabbitMq.");
        }

        if (_connection is { IsOpen: true } open)
        {
            return open;
        }

        await _connecting.WaitAsync(cancellationToken);
        try
        {
            if (_connection is { IsOpen: true } connected)
            {
                return connected;
            }

            if (_connection is not null)
            {
                await _connection.DisposeAsync();
            }

            var factory = new ConnectionFactory
            {
                Uri = new Uri(options.Value.RabbitMqUri),
                ClientProvidedName = "narrativemonitor-admin",
                AutomaticRecoveryEnabled = true,
            };
            _connection = await factory.CreateConnectionAsync(cancellationToken);
            return _connection;
        }
        finally
        {
            _connecting.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is not null)
        {
            await _connection.DisposeAsync();
        }

        _connecting.Dispose();
    }
}

/// <summary>The queues of the consumer endpoints configured in this process, as MassTransit named them.</summary>
public sealed class ConsumerEndpoints
{
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _names = new(StringComparer.Ordinal);

    public void Add(string queueName) => _names.TryAdd(queueName, 0);

    public IReadOnlyList<string> QueueNames => [.. _names.Keys.Order(StringComparer.Ordinal)];
}
