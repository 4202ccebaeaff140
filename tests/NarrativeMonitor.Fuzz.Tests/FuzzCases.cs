using System.IO.Compression;
using Grpc.Core;

namespace NarrativeMonitor.Fuzz.Tests;

public enum FuzzKind
{
    HostileValues,
    RandomBytes,
    WrongWireType,
    InvalidUtf8,
    HugeString,
    DeepNesting,
    EmptyMessage,
    BadFraming,
    ExpiredDeadline,
    CancelledMidway,
    StreamBadItems,
}

/// <summary>
/// One hostile request and the statuses that are a proper answer to it. The body is built when the case is sent, from the
/// case's own seed, so ten thousand cases (some of 8 MiB) are never in memory at once and a failure can be reproduced.
/// </summary>
public sealed record FuzzCase(GrpcMethod Method, FuzzKind Kind, string Variant, int Seed, Func<HostileMessages, RawRequest> Build, IReadOnlySet<StatusCode> Acceptable)
{
    /// <summary>A client that resets its own request gets no status; only then is a missing status proper.</summary>
    public bool StatusExpected => Kind != FuzzKind.CancelledMidway;

    /// <summary>A request that is not gRPC at all (wrong content type) may be refused by HTTP routing (404) before gRPC sees it.</summary>
    public bool MayBeRefusedByHttp { get; init; }

    public RawRequest Request() => Build(new HostileMessages(Seed));
}

/// <summary>
/// What is sent per method and kind, and which statuses are accepted. Statuses the services answer after reading a valid
/// message (<see cref="Application"/>) are those the API documents; what the framework answers for input that never
/// reaches the service is named per kind. Unknown and Internal from a handler are never accepted.
/// </summary>
public static class FuzzCases
{
    public const int MaxReceiveMessageSize = 8 * 1024 * 1024;

    /// <summary>What a service may answer to a decodable request: its documented outcomes, ResourceExhausted when a
    /// generated message exceeds the 8 MiB receive limit, and Unimplemented for a method a service does not serve yet.</summary>
    public static readonly IReadOnlySet<StatusCode> Application = new HashSet<StatusCode>
    {
        StatusCode.OK, StatusCode.InvalidArgument, StatusCode.NotFound, StatusCode.AlreadyExists, StatusCode.FailedPrecondition,
        StatusCode.OutOfRange, StatusCode.ResourceExhausted, StatusCode.Unimplemented,
    };

    // Unimplemented is in every set: grpc-dotnet answers it for a method its service does not implement (yet) before
    // reading the request at all.
    private static readonly IReadOnlySet<StatusCode> Invalid = Set(StatusCode.InvalidArgument);
    private static readonly IReadOnlySet<StatusCode> TooLarge = Set(StatusCode.ResourceExhausted);
    // When its deadline timer fires while the call is still being answered, grpc-dotnet resets the stream with CANCEL,
    // which clients read as Cancelled.
    private static readonly IReadOnlySet<StatusCode> Deadline = Set(StatusCode.DeadlineExceeded, StatusCode.Cancelled);
    private static readonly IReadOnlySet<StatusCode> DeadlineOrApplication = new HashSet<StatusCode>(Application) { StatusCode.DeadlineExceeded, StatusCode.Cancelled };
    private static readonly IReadOnlySet<StatusCode> None = Set();

    /// <summary>grpc-dotnet's answer to a broken gRPC message framing: Internal, as the gRPC spec has it for protocol violations.</summary>
    private static readonly IReadOnlySet<StatusCode> Protocol = Set(StatusCode.Internal);

    /// <summary>
    /// Faults grpc-dotnet (2.85) itself answers with Unknown: an exception thrown in its frame reader
    /// (Grpc.AspNetCore.Server.Internal.PipeExtensions) or gzip decompression, before any service code runs. The test
    /// checks separately that every exception the hosts logged was thrown there and not in our code.
    /// </summary>
    private static readonly IReadOnlySet<StatusCode> ProtocolInFramework = Set(StatusCode.Internal, StatusCode.Unknown);

    private static readonly IReadOnlySet<StatusCode> TooLargeInFramework = Set(StatusCode.ResourceExhausted, StatusCode.Unknown);

    private static IReadOnlySet<StatusCode> Set(params StatusCode[] codes) => new HashSet<StatusCode>(codes) { StatusCode.Unimplemented };

    public sealed record Counts(int HostileValues = 220, int RandomBytes = 80, int WrongWireType = 40, int InvalidUtf8 = 10, int StreamBadItems = 40);

    public static IEnumerable<FuzzCase> For(GrpcMethod method, Random random, Counts counts)
    {
        var input = method.Input;

        FuzzCase Case(FuzzKind kind, string variant, Func<HostileMessages, byte[]> body, IReadOnlySet<StatusCode> acceptable) =>
            new(method, kind, variant, random.Next(), m => new RawRequest(body(m)), acceptable);

        FuzzCase Raw(FuzzKind kind, string variant, Func<HostileMessages, RawRequest> request, IReadOnlySet<StatusCode> acceptable) =>
            new(method, kind, variant, random.Next(), request, acceptable);

        for (var i = 0; i < counts.HostileValues; i++)
        {
            yield return Case(FuzzKind.HostileValues, "hostile field values", m => RawGrpcClient.Frame(m.WellFormed(input)), Application);
        }

        for (var i = 0; i < counts.RandomBytes; i++)
        {
            // Random bytes are sometimes a decodable message (unknown fields are skipped), so any service answer is proper.
            var large = i % 10 == 0;
            yield return Case(FuzzKind.RandomBytes, "random bytes", m => RawGrpcClient.Frame(m.RandomBytes(m.Random.Next(1, large ? 70_000 : 600))), Application);
        }

        for (var i = 0; i < counts.WrongWireType; i++)
        {
            // A known field number with another valid wire type is an unknown field to protobuf; 3, 4, 6 and 7 cannot be skipped.
            yield return Case(FuzzKind.WrongWireType, "wrong wire type", m => RawGrpcClient.Frame(m.WrongWireType(input)), Application);
        }

        var hasStrings = HostileMessages.HugeString(input, 1, 'q') is not null;
        for (var i = 0; i < counts.InvalidUtf8; i++)
        {
            yield return Case(FuzzKind.InvalidUtf8, "invalid UTF-8 in every string field", m => RawGrpcClient.Frame(m.InvalidUtf8(input)), hasStrings ? Invalid : Application);
        }

        if (hasStrings)
        {
            yield return Case(FuzzKind.HugeString, "1 MiB string", _ => RawGrpcClient.Frame(HostileMessages.HugeString(input, 1024 * 1024, 'q')!), Application);
            yield return Case(FuzzKind.HugeString, "string just under the 8 MiB receive limit", _ => RawGrpcClient.Frame(HostileMessages.HugeString(input, MaxReceiveMessageSize - 64, 'q')!), Application);
            yield return Case(FuzzKind.HugeString, "string over the 8 MiB receive limit", _ => RawGrpcClient.Frame(HostileMessages.HugeString(input, MaxReceiveMessageSize + 1, 'q')!), TooLarge);
        }

        yield return Case(FuzzKind.DeepNesting, "unknown groups 50 deep", _ => RawGrpcClient.Frame(HostileMessages.NestedGroups(50)), Application);
        yield return Case(FuzzKind.DeepNesting, "unknown groups 101 deep", _ => RawGrpcClient.Frame(HostileMessages.NestedGroups(101)), Invalid);
        yield return Case(FuzzKind.DeepNesting, "unknown groups 100,000 deep", _ => RawGrpcClient.Frame(HostileMessages.NestedGroups(100_000)), Invalid);
        yield return Case(FuzzKind.DeepNesting, "message chain with unknown fields 1,000 deep", _ => RawGrpcClient.Frame(HostileMessages.NestedMessages(input, 1_000)), Application);
        yield return Case(FuzzKind.EmptyMessage, "empty message", _ => RawGrpcClient.Frame([]), Application);

        byte[] Valid(HostileMessages m) => m.WellFormed(input);
        yield return Case(FuzzKind.BadFraming, "compressed flag without grpc-encoding", m => RawGrpcClient.Frame(Valid(m), compressed: 1), Protocol);
        yield return Case(FuzzKind.BadFraming, "compressed flag 2", m => RawGrpcClient.Frame(Valid(m), compressed: 2), ProtocolInFramework);
        yield return Case(FuzzKind.BadFraming, "length prefix larger than the body", m => Frame(Valid(m), extra: 10), Protocol);
        yield return Case(FuzzKind.BadFraming, "length prefix 4 GiB", m => RawGrpcClient.Frame(Valid(m), declaredLength: uint.MaxValue), TooLargeInFramework);
        yield return Case(FuzzKind.BadFraming, "truncated frame header", _ => [0, 0, 0], Protocol);
        yield return Case(FuzzKind.BadFraming, "no message", _ => [], method.ClientStreaming ? Application : Protocol);
        yield return Case(FuzzKind.BadFraming, "two messages to a unary method", m => [.. RawGrpcClient.Frame(Valid(m)), .. RawGrpcClient.Frame(Valid(m))], method.ClientStreaming ? Application : Protocol);
        yield return Raw(FuzzKind.BadFraming, "unknown grpc-encoding", m => new RawRequest(RawGrpcClient.Frame(Valid(m), compressed: 1)) { Encoding = "x-bogus" }, Set());
        yield return Raw(FuzzKind.BadFraming, "gzip flag with bytes that are not gzip", m => new RawRequest(RawGrpcClient.Frame(m.RandomBytes(200), compressed: 1)) { Encoding = "gzip" }, ProtocolInFramework);
        yield return Raw(FuzzKind.BadFraming, "gzip bomb (64 MiB of zeros)", _ => new RawRequest(RawGrpcClient.Frame(GzipBomb.Value, compressed: 1)) { Encoding = "gzip" }, TooLarge);
        yield return Raw(FuzzKind.BadFraming, "content-type application/json", m => new RawRequest(RawGrpcClient.Frame(Valid(m))) { ContentType = "application/json" }, Protocol) with { MayBeRefusedByHttp = true };
        yield return Raw(FuzzKind.BadFraming, "content-type application/grpc+bogus", m => new RawRequest(RawGrpcClient.Frame(Valid(m))) { ContentType = "application/grpc+bogus" }, Application);

        // grpc-dotnet counts in 100 ns ticks and reads a timeout of zero ticks ("0m", "1n") as no deadline at all; the call
        // then runs as any other. One tick or more has passed before the handler starts.
        foreach (var (timeout, acceptable) in new[] { ("0m", DeadlineOrApplication), ("1n", DeadlineOrApplication), ("100n", Deadline), ("1u", Deadline) })
        {
            yield return Raw(FuzzKind.ExpiredDeadline, $"grpc-timeout {timeout}", m => new RawRequest(RawGrpcClient.Frame(Valid(m))) { Timeout = timeout }, acceptable);
        }

        yield return Raw(FuzzKind.CancelledMidway, "reset inside the frame header", m => new RawRequest(RawGrpcClient.Frame(Valid(m))) { CancelAfterBytes = 2 }, None);
        yield return Raw(FuzzKind.CancelledMidway, "reset inside the message", m => Cut(RawGrpcClient.Frame(Valid(m)), half: true), None);
        yield return Raw(FuzzKind.CancelledMidway, "reset after a whole message", m => Cut(RawGrpcClient.Frame(Valid(m)), half: false), None);

        if (!method.ClientStreaming)
        {
            yield break;
        }

        for (var i = 0; i < counts.StreamBadItems; i++)
        {
            var variant = i % 4;
            IReadOnlySet<StatusCode> acceptable = variant switch { 1 => Invalid, 3 => Protocol, _ => Application };
            string name = variant switch
            {
                0 => "random bytes among hostile items",
                1 => "an undecodable item among hostile items",
                2 => "an empty item among hostile items",
                _ => "a truncated last item",
            };
            yield return Case(FuzzKind.StreamBadItems, name, m =>
            {
                var items = Enumerable.Range(0, m.Random.Next(1, 20)).Select(_ => RawGrpcClient.Frame(m.WellFormed(input))).ToList();
                var position = m.Random.Next(items.Count + 1);
                switch (variant)
                {
                    case 0: items.Insert(position, RawGrpcClient.Frame(m.RandomBytes(m.Random.Next(1, 300)))); break;
                    case 1: items.Insert(position, RawGrpcClient.Frame(HostileMessages.NestedGroups(200))); break;
                    case 2: items.Insert(position, RawGrpcClient.Frame([])); break;
                    default: items.Add(Frame(m.WellFormed(input), extra: 100)); break;
                }

                return [.. items.SelectMany(b => b)];
            }, acceptable);
        }
    }

    private static byte[] Frame(byte[] payload, uint extra) => RawGrpcClient.Frame(payload, declaredLength: (uint)payload.Length + extra);

    private static RawRequest Cut(byte[] frame, bool half) => new(frame) { CancelAfterBytes = half ? 5 + (frame.Length - 5) / 2 : frame.Length };

    private static readonly Lazy<byte[]> GzipBomb = new(() => CreateGzipBomb(64 * 1024 * 1024));

    private static byte[] CreateGzipBomb(int size)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize))
        {
            var zeros = new byte[64 * 1024];
            for (var written = 0; written < size; written += zeros.Length)
            {
                gzip.Write(zeros);
            }
        }

        return buffer.ToArray();
    }
}
