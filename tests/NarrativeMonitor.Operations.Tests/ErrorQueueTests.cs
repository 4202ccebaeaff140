using System.CommandLine;
using Grpc.Core;
using NarrativeMonitor.Cli;
using NarrativeMonitor.Protos.Admin.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using NarrativeMonitor.ServiceDefaults;
using NarrativeMonitor.ServiceDefaults.ErrorQueues;

namespace NarrativeMonitor.Operations.Tests;

[Collection(ServersCollection.Name)]
public sealed class ErrorQueueTests(RedisFixture redis, RabbitMqFixture rabbit)
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public async Task A_poison_message_lands_in_the_error_queue_with_its_reason_and_is_replayed_once_fixed()
    {
        await using var cluster = new OperationsCluster(redis, rabbit);
        await cluster.StartObserverAsync();
        var ingestApp = await cluster.StartAsync(HostedService.Ingest);
        var classificationApp = await cluster.StartAsync(HostedService.Classification);
        var ingest = new IngestService.IngestServiceClient(cluster.Channel(ingestApp));
        var admin = new ErrorQueueService.ErrorQueueServiceClient(cluster.Channel(classificationApp));
        await OperationsCluster.RegisterSourceAsync(ingest, "wire");

        // Two poison messages, then healthy ones: the healthy ones go through while the poison is retried and parked.
        foreach (var (id, title) in new[] { ("p1", "POISON one"), ("p2", "POISON two"), ("h1", "Healthy one"), ("h2", "Healthy two") })
        {
            var response = await ingest.SubmitArticleAsync(new SubmitArticleRequest { Article = OperationsCluster.Article(id, "wire", title) });
            Assert.Equal(SubmissionOutcome.Accepted, response.Outcome);
        }

        await OperationsCluster.EventuallyAsync(() => Task.FromResult(cluster.Classified.Contains("h1") && cluster.Classified.Contains("h2")),
            Patience, "the healthy articles to be classified");
        var errorQueue = cluster.Queue("article-ingested") + ErrorQueueBrowser.ErrorSuffix;
        await OperationsCluster.EventuallyAsync(async () => (await ErrorQueueOf(admin, errorQueue))?.MessageCount == 2, Patience,
            $"two messages in {errorQueue}");

        // Three attempts each (two retries), then parked; nothing published for them.
        Assert.Equal(3, cluster.Poison.Attempts["POISON one"]);
        Assert.Equal(3, cluster.Poison.Attempts["POISON two"]);
        Assert.False(cluster.Classified.Contains("p1") || cluster.Classified.Contains("p2"));

        var queues = await admin.ListErrorQueuesAsync(new ListErrorQueuesRequest());
        Assert.Contains(queues.Queues, q => q.Name == cluster.Queue("article-batch-ingested") + ErrorQueueBrowser.ErrorSuffix);
        var listed = await admin.ListErrorMessagesAsync(new ListErrorMessagesRequest { Queue = errorQueue });
        Assert.Equal(2u, listed.Total);
        Assert.Equal(2, listed.Messages.Count);
        Assert.Empty(listed.NextPageToken);
        foreach (var message in listed.Messages)
        {
            Assert.Equal(cluster.Queue("article-ingested"), message.SourceQueue);
            Assert.Equal("fault", message.Reason);
            Assert.Equal("System.InvalidOperationException", message.ExceptionType);
            Assert.StartsWith("poisoned test article 'POISON ", message.ExceptionMessage);
            Assert.Equal(2u, message.RetryCount);
            Assert.Contains(message.MessageTypes, t => t.EndsWith(":ArticleIngested", StringComparison.Ordinal));
            Assert.NotNull(message.FailedAt);
            Assert.Empty(message.Body);
        }

        // Paging: one message a page, in the same order; listing twice changed nothing.
        var first = await admin.ListErrorMessagesAsync(new ListErrorMessagesRequest { Queue = errorQueue, PageSize = 1 });
        var second = await admin.ListErrorMessagesAsync(new ListErrorMessagesRequest { Queue = errorQueue, PageSize = 1, PageToken = first.NextPageToken });
        Assert.Equal(listed.Messages.Select(m => m.MessageId), first.Messages.Concat(second.Messages).Select(m => m.MessageId));
        Assert.Empty(second.NextPageToken);

        var p1 = listed.Messages.Single(m => m.ExceptionMessage.Contains("POISON one", StringComparison.Ordinal));
        var p2 = listed.Messages.Single(m => m.ExceptionMessage.Contains("POISON two", StringComparison.Ordinal));
        var shown = await admin.GetErrorMessageAsync(new GetErrorMessageRequest { Queue = errorQueue, MessageId = p1.MessageId });
        Assert.Contains("\"p1\"", shown.Body);
        Assert.Equal("System.InvalidOperationException", shown.Headers["MT-Fault-ExceptionType"]);
        Assert.Contains("PoisonousClassifier", shown.StackTrace);

        // The cause is fixed; p1 is replayed (by the consumer queue's name) and processed, p2 discarded.
        cluster.Poison.Poisoned = false;
        var replayed = await admin.ReplayErrorMessagesAsync(new ReplayErrorMessagesRequest { Queue = cluster.Queue("article-ingested"), MessageIds = { p1.MessageId, "no-such-id" } });
        Assert.Equal([p1.MessageId], replayed.ReplayedIds);
        Assert.Equal(["no-such-id"], replayed.NotFoundIds);
        await OperationsCluster.EventuallyAsync(() => Task.FromResult(cluster.Classified.Contains("p1")), Patience, "the replayed article to be classified");
        Assert.Equal(4, cluster.Poison.Attempts["POISON one"]);

        var discarded = await admin.DiscardErrorMessagesAsync(new DiscardErrorMessagesRequest { Queue = errorQueue, All = true });
        Assert.Equal([p2.MessageId], discarded.DiscardedIds);
        Assert.Equal(0u, (await ErrorQueueOf(admin, errorQueue))!.MessageCount);
        Assert.False(cluster.Classified.Contains("p2"));
    }

    [Fact]
    public async Task The_errors_cli_lists_shows_and_replays_sending_the_credentials_it_is_given()
    {
        await using var cluster = new OperationsCluster(redis, rabbit);
        await cluster.StartObserverAsync();
        var ingestApp = await cluster.StartAsync(HostedService.Ingest);
        var classificationApp = await cluster.StartAsync(HostedService.Classification);
        var ingest = new IngestService.IngestServiceClient(cluster.Channel(ingestApp));
        var admin = new ErrorQueueService.ErrorQueueServiceClient(cluster.Channel(classificationApp));
        await OperationsCluster.RegisterSourceAsync(ingest, "wire");
        await ingest.SubmitArticleAsync(new SubmitArticleRequest { Article = OperationsCluster.Article("p9", "wire", "POISON nine") });
        var errorQueue = cluster.Queue("article-ingested") + ErrorQueueBrowser.ErrorSuffix;
        await OperationsCluster.EventuallyAsync(async () => (await ErrorQueueOf(admin, errorQueue))?.MessageCount == 1, Patience, $"a message in {errorQueue}");
        var server = classificationApp.GrpcAddress().ToString();

        var (code, output, _) = await RunCliAsync("errors", "list", "--server", server, "--api-key", "key-1");
        Assert.Equal(0, code);
        Assert.Matches($@"{errorQueue}\s+1\s+{cluster.Queue("article-ingested")}", output);

        (code, output, var _) = await RunCliAsync("errors", "list", "--server", server, "--queue", errorQueue, "--token", "jwt-1");
        Assert.Equal(0, code);
        var id = (await admin.ListErrorMessagesAsync(new ListErrorMessagesRequest { Queue = errorQueue })).Messages.Single().MessageId;
        Assert.Contains(id, output);
        Assert.Contains("InvalidOperationException", output);
        Assert.Contains("1 of 1 messages", output);

        (code, output, var _) = await RunCliAsync("errors", "show", "--server", server, "--queue", errorQueue, id);
        Assert.Equal(0, code);
        Assert.Contains("poisoned test article 'POISON nine'", output);
        Assert.Contains("\"p9\"", output);

        (code, var _, var error) = await RunCliAsync("errors", "replay", "--server", server, "--queue", errorQueue);
        Assert.Equal(2, code);
        Assert.Contains("give message ids or --all", error);

        cluster.Poison.Poisoned = false;
        (code, output, var _) = await RunCliAsync("errors", "replay", "--server", server, "--queue", errorQueue, "--all");
        Assert.Equal(0, code);
        Assert.Contains($"replayed {id}", output);
        await OperationsCluster.EventuallyAsync(() => Task.FromResult(cluster.Classified.Contains("p9")), Patience, "the replayed article to be classified");

        (code, var _, error) = await RunCliAsync("errors", "list", "--server", server, "--queue", "nope");
        Assert.Equal(1, code);
        Assert.Contains("InvalidArgument: queue: 'nope' is not an error queue of this service", error);

        var calls = cluster.Headers.Calls.ToArray();
        Assert.Contains(calls, c => c.Method.EndsWith("/ListErrorQueues", StringComparison.Ordinal) && c.ApiKey == "key-1" && c.Authorization is null);
        Assert.Contains(calls, c => c.Method.EndsWith("/ListErrorMessages", StringComparison.Ordinal) && c.Authorization == "Bearer jwt-1" && c.ApiKey is null);
    }

    [Fact]
    public async Task With_the_in_memory_transport_the_admin_api_answers_failed_precondition()
    {
        await using var cluster = new OperationsCluster(redis, rabbit, new Dictionary<string, string?>
        {
            ["Messaging:Transport"] = nameof(MessagingTransport.InMemory),
            ["Storage:Provider"] = "InMemory",
        });
        var app = await cluster.StartAsync(HostedService.Classification);
        var admin = new ErrorQueueService.ErrorQueueServiceClient(cluster.Channel(app));

        var error = await Assert.ThrowsAsync<RpcException>(async () => await admin.ListErrorQueuesAsync(new ListErrorQueuesRequest()));
        Assert.Equal(StatusCode.FailedPrecondition, error.StatusCode);
        Assert.Contains("RabbitMQ", error.Status.Detail);
    }

    [Fact]
    public async Task Bad_requests_name_the_field()
    {
        await using var cluster = new OperationsCluster(redis, rabbit);
        var app = await cluster.StartAsync(HostedService.Classification);
        var admin = new ErrorQueueService.ErrorQueueServiceClient(cluster.Channel(app));
        var queue = cluster.Queue("article-ingested");

        async Task<string> Invalid(Func<Task> call)
        {
            var error = await Assert.ThrowsAsync<RpcException>(call);
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            return error.Status.Detail;
        }

        Assert.StartsWith("queue:", await Invalid(async () => await admin.ListErrorMessagesAsync(new ListErrorMessagesRequest { Queue = "other_error" })));
        Assert.StartsWith("page_size:", await Invalid(async () => await admin.ListErrorMessagesAsync(new ListErrorMessagesRequest { Queue = queue, PageSize = 501 })));
        Assert.StartsWith("page_token:", await Invalid(async () => await admin.ListErrorMessagesAsync(new ListErrorMessagesRequest { Queue = queue, PageToken = "x" })));
        Assert.StartsWith("message_ids:", await Invalid(async () => await admin.ReplayErrorMessagesAsync(new ReplayErrorMessagesRequest { Queue = queue })));
        Assert.StartsWith("message_ids:", await Invalid(async () => await admin.DiscardErrorMessagesAsync(new DiscardErrorMessagesRequest { Queue = queue, All = true, MessageIds = { "a" } })));
        var missing = await Assert.ThrowsAsync<RpcException>(async () => await admin.GetErrorMessageAsync(new GetErrorMessageRequest { Queue = queue, MessageId = "nope" }));
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
    }

    private static async Task<ErrorQueue?> ErrorQueueOf(ErrorQueueService.ErrorQueueServiceClient admin, string name) =>
        (await admin.ListErrorQueuesAsync(new ListErrorQueuesRequest())).Queues.FirstOrDefault(q => q.Name == name);

    private static async Task<(int Code, string Output, string Error)> RunCliAsync(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var code = await CliCommands.Build().Parse(args).InvokeAsync(new InvocationConfiguration { Output = output, Error = error });
        return (code, output.ToString(), error.ToString());
    }
}
