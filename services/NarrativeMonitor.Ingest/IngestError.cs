using Grpc.Core;

namespace NarrativeMonitor.Ingest;

/// <summary>
/// Why a source or an article was refused: the gRPC status it maps to, the field at fault, the reason and, when trying
/// again later will do, how much later.
/// </summary>
public sealed record IngestError(StatusCode Code, string Field, string Reason, TimeSpan? RetryAfter = null)
{
    /// <summary>gRPC's retry pushback trailer: clients with a retry policy wait this many milliseconds.</summary>
    public const string RetryPushbackTrailer = "grpc-retry-pushback-ms";

    /// <summary>"article.url: must be an absolute http or https URL": the field path first, as every gRPC error here.</summary>
    public string Message => Field.Length == 0 ? Reason : $"{Field}: {Reason}";

    public static IngestError Invalid(string field, string reason) => new(StatusCode.InvalidArgument, field, reason);

    public RpcException ToRpcException()
    {
        var trailers = new Metadata();
        if (RetryAfter is { } retryAfter)
        {
            trailers.Add(RetryPushbackTrailer, ((long)retryAfter.TotalMilliseconds).ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return new RpcException(new Status(Code, Message), trailers);
    }

    public override string ToString() => Message;
}

/// <summary>Either a value or the error that prevented it.</summary>
public readonly record struct Validated<T>(T? Value, IngestError? Error) where T : class
{
    public static implicit operator Validated<T>(T value) => new(value, null);

    public static implicit operator Validated<T>(IngestError error) => new(null, error);
}
