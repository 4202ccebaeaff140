using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;

namespace NarrativeMonitor.Fuzz.Tests;

/// <summary>One request as bytes on the wire: the gRPC body (frames) and the headers that differ from a well-formed call.</summary>
public sealed record RawRequest(byte[] Body)
{
    public string ContentType { get; init; } = "application/grpc";
    public string? Encoding { get; init; }
    public string? Timeout { get; init; }

    /// <summary>Send only this many bytes of the body, then reset the stream (a client that goes away mid-request).</summary>
    public int? CancelAfterBytes { get; init; }
}

/// <summary>What came back: a gRPC status, or why none came.</summary>
public sealed record RawOutcome(StatusCode? Status, string Message, int HttpStatus, int ResponseMessages, string? NoStatus)
{
    public static RawOutcome Missing(string why, int httpStatus = 0) => new(null, "", httpStatus, 0, why);
    public override string ToString() => Status is { } s ? $"{s} '{Message}' (HTTP {HttpStatus})" : $"no status: {NoStatus}";
}

/// <summary>
/// Sends hand-made gRPC requests over HTTP/2 (prior knowledge, as grpc-dotnet's client does on http://), for inputs the
/// typed client cannot produce: broken framing, undecodable payloads, wrong headers, resets mid-body.
/// </summary>
public sealed class RawGrpcClient : IDisposable
{
    private readonly HttpClient _http = new(new SocketsHttpHandler
    {
        EnableMultipleHttp2Connections = true,
        PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
    })
    {
        DefaultRequestVersion = HttpVersion.Version20,
        DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        Timeout = Timeout.InfiniteTimeSpan,
    };

    public static byte[] Frame(ReadOnlySpan<byte> payload, byte compressed = 0, uint? declaredLength = null)
    {
        var frame = new byte[5 + payload.Length];
        frame[0] = compressed;
        BinaryPrimitives.WriteUInt32BigEndian(frame.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(frame.AsSpan(5));
        return frame;
    }

    public static byte[] Frames(IEnumerable<byte[]> payloads) => payloads.SelectMany(p => Frame(p)).ToArray();

    /// <param name="openStreamPatience">
    /// For a server-streaming method: how long to wait for a status. A subscription the server accepted stays open without
    /// a status until the client leaves; that is reported as OK with the messages seen.
    /// </param>
    public async Task<RawOutcome> SendAsync(Uri host, string path, RawRequest request, TimeSpan patience, TimeSpan? openStreamPatience = null)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, new Uri(host, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = new BodyContent(request.Body, request.CancelAfterBytes),
        };
        message.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(request.ContentType);
        message.Headers.TryAddWithoutValidation("te", "trailers");
        if (request.Encoding is { } encoding)
        {
            message.Headers.TryAddWithoutValidation("grpc-encoding", encoding);
        }

        if (request.Timeout is { } timeout)
        {
            message.Headers.TryAddWithoutValidation("grpc-timeout", timeout);
        }

        using var cancel = new CancellationTokenSource(request.CancelAfterBytes is not null ? TimeSpan.FromMilliseconds(300) : openStreamPatience ?? patience);
        var headersSeen = false;
        var messages = 0;
        try
        {
            using var response = await _http.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancel.Token);
            headersSeen = true;
            if (Header(response.Headers, "grpc-status") is { } trailersOnly)
            {
                return new RawOutcome((StatusCode)int.Parse(trailersOnly), Unescape(Header(response.Headers, "grpc-message")), (int)response.StatusCode, 0, null);
            }

            if (response.StatusCode != HttpStatusCode.OK)
            {
                return RawOutcome.Missing($"HTTP {(int)response.StatusCode} without grpc-status", (int)response.StatusCode);
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancel.Token);
            messages = await CountMessagesAsync(body, cancel.Token);
            return Header(response.TrailingHeaders, "grpc-status") is { } status
                ? new RawOutcome((StatusCode)int.Parse(status), Unescape(Header(response.TrailingHeaders, "grpc-message")), 200, messages, null)
                : RawOutcome.Missing("HTTP 200 ended without grpc-status", 200);
        }
        catch (Exception ex) when (ex is OperationCanceledException or HttpRequestException or IOException)
        {
            if (cancel.IsCancellationRequested && request.CancelAfterBytes is not null)
            {
                return RawOutcome.Missing("cancelled by the client mid-request");
            }

            if (cancel.IsCancellationRequested && openStreamPatience is not null)
            {
                // grpc-dotnet sends a stream's headers with its first message; a subscription with nothing to send yet is silent.
                return new RawOutcome(StatusCode.OK, headersSeen ? "stream open" : "stream open, nothing sent yet", headersSeen ? 200 : 0, messages, null);
            }

            if (!cancel.IsCancellationRequested && ResetCode(ex) is { } reset)
            {
                return new RawOutcome(reset, "stream reset by the server", 0, messages, null);
            }

            return RawOutcome.Missing(cancel.IsCancellationRequested ? $"no answer within {patience.TotalSeconds:F0} s" : Describe(ex));
        }
    }

    /// <summary>The status a gRPC client reads from an HTTP/2 RST_STREAM, as "gRPC over HTTP2" maps the error codes.</summary>
    private static StatusCode? ResetCode(Exception ex)
    {
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                return protocol.ErrorCode switch
                {
                    0x7 => StatusCode.Unavailable, // REFUSED_STREAM
                    0x8 => StatusCode.Cancelled, // CANCEL
                    0xb => StatusCode.ResourceExhausted, // ENHANCE_YOUR_CALM
                    _ => null,
                };
            }
        }

        return null;
    }

    private static string Describe(Exception ex)
    {
        var parts = new List<string>();
        for (Exception? e = ex; e is not null; e = e.InnerException)
        {
            parts.Add($"{e.GetType().Name}: {e.Message}");
        }

        return string.Join(" <- ", parts);
    }

    private static async Task<int> CountMessagesAsync(Stream body, CancellationToken cancellationToken)
    {
        var count = 0;
        var header = new byte[5];
        while (await ReadFullyAsync(body, header, cancellationToken))
        {
            var length = BinaryPrimitives.ReadUInt32BigEndian(header.AsSpan(1));
            var payload = new byte[length];
            if (!await ReadFullyAsync(body, payload, cancellationToken))
            {
                break;
            }

            count++;
        }

        return count;
    }

    private static async Task<bool> ReadFullyAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
            if (n == 0)
            {
                return false;
            }

            read += n;
        }

        return true;
    }

    private static string? Header(HttpHeaders headers, string name) =>
        headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    private static string Unescape(string? message) => message is null ? "" : Uri.UnescapeDataString(message);

    public void Dispose() => _http.Dispose();

    /// <summary>Writes the body; with a cut, writes that much and then never finishes, so the caller's cancellation resets the stream.</summary>
    private sealed class BodyContent(byte[] body, int? cutAfter) : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
        {
            if (cutAfter is not { } cut)
            {
                await stream.WriteAsync(body, cancellationToken);
                return;
            }

            await stream.WriteAsync(body.AsMemory(0, Math.Min(cut, body.Length)), cancellationToken);
            await stream.FlushAsync(cancellationToken);
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) =>
            SerializeToStreamAsync(stream, context, CancellationToken.None);

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
