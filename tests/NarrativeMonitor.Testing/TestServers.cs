using System.Net.Sockets;
using DotNet.Testcontainers.Builders;
using StackExchange.Redis;
using Testcontainers.RabbitMq;
using Testcontainers.Redis;
using Xunit;

namespace NarrativeMonitor.Testing;

/// <summary>
/// A real Redis for the tests: the server named by NM_TEST_REDIS (host:port) when set, otherwise a Testcontainers
/// container. With neither, every test that needs it fails, saying what to start.
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "NM_TEST_REDIS";
    private RedisContainer? _container;

    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            ConnectionString = configured;
        }
        else
        {
            _container = await TestServerErrors.StartContainerAsync(() => new RedisBuilder("redis:7.2.5").Build(), "Redis", EnvironmentVariable, "127.0.0.1:6379");
            ConnectionString = _container.GetConnectionString();
        }

        try
        {
            await using var connection = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",connectTimeout=5000");
            await connection.GetDatabase().PingAsync();
        }
        catch (RedisConnectionException ex)
        {
            throw new InvalidOperationException(
                $"Redis at {ConnectionString} does not answer. Start redis-server there (tests/run-tests.sh starts one) or unset {EnvironmentVariable} to use Testcontainers.", ex);
        }
    }

    /// <summary>A key prefix no other test uses, so tests can share one server.</summary>
    public static string UniquePrefix() => $"t{Guid.NewGuid():N}:"[..14];

    public async Task DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}

/// <summary>
/// A real RabbitMQ for the tests: the broker named by NM_TEST_RABBITMQ (an AMQP URI) when set, otherwise a
/// Testcontainers container. With neither, every test that needs it fails, saying what to start.
/// </summary>
public sealed class RabbitMqFixture : IAsyncLifetime
{
    public const string EnvironmentVariable = "NM_TEST_RABBITMQ";
    private RabbitMqContainer? _container;

    public Uri AmqpUri { get; private set; } = new("amqp://guest:guest@127.0.0.1:5672/");

    public async Task InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            AmqpUri = new Uri(configured);
        }
        else
        {
            _container = await TestServerErrors.StartContainerAsync(
                () => new RabbitMqBuilder("rabbitmq:3.13.7-management").WithUsername("guest").WithPassword("guest").Build(),
                "RabbitMQ", EnvironmentVariable, "amqp://guest:guest@127.0.0.1:5672/");
            AmqpUri = new Uri(_container.GetConnectionString());
        }

        try
        {
            using var client = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await client.ConnectAsync(AmqpUri.Host, AmqpUri.Port, timeout.Token);
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            throw new InvalidOperationException(
                $"RabbitMQ at {AmqpUri.Host}:{AmqpUri.Port} does not answer. Start rabbitmq-server there (tests/run-tests.sh starts one) or unset {EnvironmentVariable} to use Testcontainers.", ex);
        }
    }

    /// <summary>An exchange and queue name prefix no other test uses, so tests can share one broker.</summary>
    public static string UniquePrefix() => $"t{Guid.NewGuid():N}"[..12];

    public async Task DisposeAsync()
    {
        if (_container is not null)
        {
            await _container.DisposeAsync();
        }
    }
}

internal static class TestServerErrors
{
    public static async Task<TContainer> StartContainerAsync<TContainer>(Func<TContainer> build, string server, string variable, string example)
        where TContainer : DotNet.Testcontainers.Containers.IContainer
    {
        try
        {
            var container = build();
            await container.StartAsync();
            return container;
        }
        catch (Exception ex) when (ex is DockerUnavailableException or ArgumentException or InvalidOperationException or HttpRequestException)
        {
            throw new InvalidOperationException(
                $"No {server} for the tests: {variable} is not set and Testcontainers found no Docker engine ({ex.Message}). " +
                $"Run tests/run-tests.sh, which starts the Debian servers on loopback, or start {server} yourself and set {variable} (e.g. {variable}={example}).", ex);
        }
    }
}

/// <summary>Names of the test collections. xunit finds collection definitions only in the test assembly itself, so each
/// test project declares them (RedisCollection, ServersCollection) with these names.</summary>
public static class TestCollections
{
    public const string Redis = "redis";
    public const string Servers = "redis+rabbitmq";
}

/// <summary>Names the collection; a test project must still declare its own [CollectionDefinition] class (see TestCollections).</summary>
public static class RedisCollection
{
    public const string Name = TestCollections.Redis;
}

/// <summary>Names the collection; a test project must still declare its own [CollectionDefinition] class (see TestCollections).</summary>
public static class ServersCollection
{
    public const string Name = TestCollections.Servers;
}
