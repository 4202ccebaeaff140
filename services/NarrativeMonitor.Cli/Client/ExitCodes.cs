using Grpc.Core;

namespace NarrativeMonitor.Cli.Client;

/// <summary>Exit codes of every command (listed in the README's "Command line" section).</summary>
public static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>Some inputs were rejected (an ingest or replay line); the others went through.</summary>
    public const int Rejected = 1;

    /// <summary>Bad arguments, or an input file that cannot be read or parsed.</summary>
    public const int Usage = 2;

    /// <summary>The server refused the request: INVALID_ARGUMENT, ALREADY_EXISTS, FAILED_PRECONDITION, OUT_OF_RANGE.</summary>
    public const int InvalidRequest = 3;

    public const int NotFound = 4;

    /// <summary>UNAUTHENTICATED or PERMISSION_DENIED: pass --api-key or --token with the right role.</summary>
    public const int Unauthorized = 5;

    /// <summary>The server could not be reached or did not answer in time (UNAVAILABLE, DEADLINE_EXCEEDED).</summary>
    public const int Unavailable = 6;

    /// <summary>The server does not implement the call (an older version).</summary>
    public const int Unimplemented = 7;

    /// <summary>Any other gRPC status (INTERNAL, UNKNOWN, RESOURCE_EXHAUSTED, ...).</summary>
    public const int ServerError = 8;

    public static int For(StatusCode code) => code switch
    {
        StatusCode.OK => Ok,
        StatusCode.InvalidArgument or StatusCode.AlreadyExists or StatusCode.FailedPrecondition or StatusCode.OutOfRange => InvalidRequest,
        StatusCode.NotFound => NotFound,
        StatusCode.Unauthenticated or StatusCode.PermissionDenied => Unauthorized,
        StatusCode.Unavailable or StatusCode.DeadlineExceeded => Unavailable,
        StatusCode.Unimplemented => Unimplemented,
        _ => ServerError,
    };
}
