using System.Threading.Channels;
using Grpc.Core;

namespace NarrativeMonitor.Alerts.Tests;

/// <summary>A ServerCallContext for calling gRPC service methods directly, as in grpc-dotnet's examples.</summary>
internal sealed class TestServerCallContext(CancellationToken cancellationToken = default) : ServerCallContext
{
    private readonly Metadata _requestHeaders = [];
    private readonly Metadata _responseTrailers = [];
    private readonly AuthContext _authContext = new(null, []);

    protected override string MethodCore => "MethodName";
    protected override string HostCore => "HostName";
    protected override string PeerCore => "PeerName";
    protected override DateTime DeadlineCore => DateTime.MaxValue;
    protected override Metadata RequestHeadersCore => _requestHeaders;
    protected override CancellationToken CancellationTokenCore => cancellationToken;
    protected override Metadata ResponseTrailersCore => _responseTrailers;
    protected override Status StatusCore { get; set; }
    protected override WriteOptions? WriteOptionsCore { get; set; }
    protected override AuthContext AuthContextCore => _authContext;

    protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

    protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
}

/// <summary>Collects what a server-streaming method writes.</summary>
internal sealed class TestServerStreamWriter<T> : IServerStreamWriter<T> where T : class
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
