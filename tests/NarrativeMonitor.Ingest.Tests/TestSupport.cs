using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.Testing;
using Article = NarrativeMonitor.Protos.Ingest.V1.Article;

namespace NarrativeMonitor.Ingest.Tests;

/// <summary>A client stream that yields the given messages.</summary>
public sealed class TestAsyncStreamReader<T>(IEnumerable<T> messages) : IAsyncStreamReader<T> where T : class
{
    private readonly IEnumerator<T> _messages = messages.GetEnumerator();

    public T Current => _messages.Current;

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        return Task.FromResult(_messages.MoveNext());
    }
}

public static class Samples
{
    public static readonly DateTimeOffset Now = new(2024, 12, 20, 12, 0, 0, TimeSpan.Zero);

    public static SourceRecord Tass { get; } = new("tass", "TASS", SourceKind.StateMedia, "RU", "ru");

    public static SourceRecord Reuters { get; } = new("reuters", "Reuters", SourceKind.Wire, "GB", "en");

    public static Article Article(string url = "https://tass.ru/politika/1", string title = "Fighting continues in Kursk Oblast",
        string body = "The Russian army continued to push Ukrainian units out of the Kursk region, the ministry said.",
        string sourceId = "tass", string id = "") => new()
    {
        Id = id,
        SourceId = sourceId,
        Url = url,
        PublishedAt = Timestamp.FromDateTimeOffset(Now.AddHours(-2)),
        Title = title,
        Body = body,
    };
}

// xunit finds collection definitions only in the test assembly itself.
[CollectionDefinition(RedisCollection.Name)]
public sealed class IngestRedisCollection : ICollectionFixture<RedisFixture>;

[CollectionDefinition(ServersCollection.Name)]
public sealed class IngestServersCollection : ICollectionFixture<RedisFixture>, ICollectionFixture<RabbitMqFixture>;
