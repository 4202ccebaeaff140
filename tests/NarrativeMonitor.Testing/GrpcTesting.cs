using System.Threading.Channels;
using Grpc.Core;

namespace NarrativeMonitor.Testing;

/// <summary>A ServerCallContext for calling gRPC service methods directly, as in grpc-dotnet's testing examples.</summary>
public sealed class TestServerCallContext(CancellationToken cancellationToken = default) : ServerCallContext
{
    private readonly Metadata _requestHeaders = [];
    private readonly Metadata _responseTrailers = [];
    private readonly Dictionary<object, object> _userState = [];

    /// <summary>What the method wrote as response headers, if anything.</summary>
    public Metadata? ResponseHeaders { get; private set; }

    protected override string MethodCore => "test";
    protected override string HostCore => "localhost";
    protected override string PeerCore => "ipv4:127.0.0.1:1";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore => _requestHeaders;
    protected override CancellationToken CancellationTokenCore => cancellationToken;
    protected override Metadata ResponseTrailersCore => _responseTrailers;
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore => new(null, []);
    protected override IDictionary<object, object> UserStateCore => _userState;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) =>
        throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        if (ResponseHeaders is not null)
        {
            throw new InvalidOperationException("Response headers have already been written.");
        }

        ResponseHeaders = responseHeaders;
        return Task.CompletedTask;
    }
}

/// <summary>Collects what a server-streaming method writes.</summary>
public sealed class TestServerStreamWriter<T> : IServerStreamWriter<T> where T : class
{
    private readonly Channel<T> _channel = Channel.CreateUnbounded<T>();

    public WriteOptions? WriteOptions { get; set; }

    public Task WriteAsync(T message) => WriteAsync(message, CancellationToken.None);

    // The interface's default implementation refuses a cancellable token; grpc-dotnet's server writer accepts one.
    public Task WriteAsync(T message, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        _channel.Writer.TryWrite(message);
        return Task.CompletedTask;
    }

    public async Task<T> ReadNextAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        return await _channel.Reader.ReadAsync(timeout.Token);
    }

    public bool TryReadNext(out T? message) => _channel.Reader.TryRead(out message);
}

/// <summary>A clock the test sets; safe to read from several threads.</summary>
public sealed class ManualTimeProvider(DateTimeOffset now) : TimeProvider
{
    private readonly Lock _lock = new();
    private DateTimeOffset _now = now;

    public DateTimeOffset Now
    {
        get => GetUtcNow();
        set
        {
            lock (_lock)
            {
                _now = value;
            }
        }
    }

    public override DateTimeOffset GetUtcNow()
    {
        lock (_lock)
        {
            return _now;
        }
    }

    public void Advance(TimeSpan by)
    {
        lock (_lock)
        {
            _now += by;
        }
    }
}
