using Grpc.Core;
using Grpc.Core.Interceptors;

namespace NarrativeMonitor.ServiceDefaults;

/// <summary>
/// Two guards around every gRPC handler:
/// <list type="bullet">
/// <item>A call whose deadline passed before its handler started is answered DeadlineExceeded. grpc-dotnet runs such a
/// call anyway, although the client has stopped waiting.</item>
/// <item>An error's message is cut to <see cref="MaxErrorMessageLength"/> characters. Messages quote the offending value,
/// and grpc-message travels as an HTTP/2 header: echoing a 70,000-character id would exceed the client's header limit
/// (64 KiB in .NET), and the client would get a broken connection instead of the status.</item>
/// </list>
/// </summary>
public sealed class CallGuardInterceptor : Interceptor
{
    public const int MaxErrorMessageLength = 1_000;

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        ThrowIfExpired(context);
        try
        {
            return await continuation(request, context);
        }
        catch (RpcException ex) when (ex.Status.Detail.Length > MaxErrorMessageLength)
        {
            throw Shortened(ex);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ThrowIfExpired(context);
        try
        {
            return await continuation(requestStream, context);
        }
        catch (RpcException ex) when (ex.Status.Detail.Length > MaxErrorMessageLength)
        {
            throw Shortened(ex);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ThrowIfExpired(context);
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (RpcException ex) when (ex.Status.Detail.Length > MaxErrorMessageLength)
        {
            throw Shortened(ex);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        ThrowIfExpired(context);
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (RpcException ex) when (ex.Status.Detail.Length > MaxErrorMessageLength)
        {
            throw Shortened(ex);
        }
    }

    private static void ThrowIfExpired(ServerCallContext context)
    {
        if (context.Deadline <= DateTime.UtcNow)
        {
            throw new RpcException(new Status(StatusCode.DeadlineExceeded, "the call's deadline passed before the service started it"));
        }
    }

    private static RpcException Shortened(RpcException ex)
    {
        var detail = ex.Status.Detail;
        var cut = MaxErrorMessageLength;
        if (char.IsHighSurrogate(detail[cut - 1]))
        {
            cut--;
        }

        return new RpcException(new Status(ex.StatusCode, string.Concat(detail.AsSpan(0, cut), "…"), ex.Status.DebugException), ex.Trailers);
    }
}
