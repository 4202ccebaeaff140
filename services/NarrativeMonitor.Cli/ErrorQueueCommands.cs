using System.CommandLine;
using System.Globalization;
using Grpc.Core;
using Grpc.Net.Client;
using NarrativeMonitor.Protos.Admin.V1;

namespace NarrativeMonitor.Cli;

/// <summary>
/// <c>narrativemonitor errors list|show|replay|discard --server &lt;address&gt;</c>: the error queues of a running
/// service over narrativemonitor.admin.v1.ErrorQueueService.
/// </summary>
public static class ErrorQueueCommands
{
    public const string ApiKeyVariable = "NM_API_KEY";
    public const string TokenVariable = "NM_TOKEN";

    public static Command Build()
    {
        var command = new Command("errors", "Lists, shows, replays and discards the messages a service's consumers gave up on " +
            "(their RabbitMQ _error queues).");
        command.Subcommands.Add(List());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(Move("replay", "Sends messages back to the queue of the consumer that failed them.", replay: true));
        command.Subcommands.Add(Move("discard", "Removes messages from an error queue for good.", replay: false));
        return command;
    }

    private sealed record Connection(Option<string> Server, Option<string?> ApiKey, Option<string?> Token)
    {
        public static Connection Create() => new(
            new Option<string>("--server") { Description = "gRPC address of the service, e.g. http://127.0.0.1:5201", Required = true },
            new Option<string?>("--api-key")
            {
                Description = $"Sent as the x-api-key header (default: ${ApiKeyVariable})",
                DefaultValueFactory = _ => Environment.GetEnvironmentVariable(ApiKeyVariable),
            },
            new Option<string?>("--token")
            {
                Description = $"Sent as authorization: Bearer <token> (default: ${TokenVariable})",
                DefaultValueFactory = _ => Environment.GetEnvironmentVariable(TokenVariable),
            });

        public void AddTo(Command command)
        {
            command.Options.Add(Server);
            command.Options.Add(ApiKey);
            command.Options.Add(Token);
        }

        public Metadata Headers(ParseResult parse)
        {
            var headers = new Metadata();
            if (parse.GetValue(ApiKey) is { Length: > 0 } key)
            {
                headers.Add("x-api-key", key);
            }

            if (parse.GetValue(Token) is { Length: > 0 } token)
            {
                headers.Add("authorization", "Bearer " + token);
            }

            return headers;
        }
    }

    private static Command List()
    {
        var connection = Connection.Create();
        var queue = new Option<string?>("--queue") { Description = "List this error queue's messages; without it, list the queues" };
        var pageSize = new Option<int>("--page-size") { Description = "Messages per page (1-500)", DefaultValueFactory = _ => 50 };
        var pageToken = new Option<string?>("--page-token") { Description = "The next-page token a previous list printed" };
        var command = new Command("list", "Lists the error queues of a service with their message counts, or one page of a queue's messages.")
        {
            queue, pageSize, pageToken,
        };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, connection, async (client, headers, output) =>
        {
            if (parse.GetValue(queue) is not { } name)
            {
                var queues = await client.ListErrorQueuesAsync(new ListErrorQueuesRequest(), headers, cancellationToken: cancellationToken);
                await output.WriteLineAsync($"{"ERROR QUEUE",-48}  {"MESSAGES",8}  CONSUMER QUEUE");
                foreach (var q in queues.Queues)
                {
                    await output.WriteLineAsync($"{q.Name,-48}  {(q.Exists ? q.MessageCount.ToString(CultureInfo.InvariantCulture) : "-"),8}  {q.SourceQueue}");
                }

                return 0;
            }

            var page = await client.ListErrorMessagesAsync(new ListErrorMessagesRequest
            {
                Queue = name,
                PageSize = (uint)Math.Max(0, parse.GetValue(pageSize)),
                PageToken = parse.GetValue(pageToken) ?? "",
            }, headers, cancellationToken: cancellationToken);
            await output.WriteLineAsync($"{"MESSAGE ID",-36}  {"FAILED (UTC)",-19}  {"RETRIES",7}  {"EXCEPTION",-32}  MESSAGE");
            foreach (var m in page.Messages)
            {
                await output.WriteLineAsync(
                    $"{m.MessageId,-36}  {FailedAt(m),-19}  {m.RetryCount,7}  {ShortType(m.ExceptionType),-32}  {OneLine(m.ExceptionMessage)}");
            }

            await output.WriteLineAsync($"{page.Messages.Count} of {page.Total} messages" +
                (page.NextPageToken.Length > 0 ? $"; next page: --page-token {page.NextPageToken}" : ""));
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Show()
    {
        var connection = Connection.Create();
        var queue = new Option<string>("--queue") { Description = "The error queue (or its consumer's queue)", Required = true };
        var id = new Argument<string>("message-id") { Description = "The message's id, as list prints it" };
        var command = new Command("show", "Prints one message of an error queue: why it failed, its headers and its body.") { queue, id };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, connection, async (client, headers, output) =>
        {
            var m = await client.GetErrorMessageAsync(new GetErrorMessageRequest { Queue = parse.GetValue(queue)!, MessageId = parse.GetValue(id)! },
                headers, cancellationToken: cancellationToken);
            await output.WriteLineAsync($"message id:     {m.MessageId}");
            await output.WriteLineAsync($"error queue:    {m.Queue}");
            await output.WriteLineAsync($"consumer queue: {m.SourceQueue}");
            await output.WriteLineAsync($"message types:  {string.Join(", ", m.MessageTypes)}");
            await output.WriteLineAsync($"reason:         {m.Reason}");
            await output.WriteLineAsync($"failed at:      {FailedAt(m)}");
            await output.WriteLineAsync($"retries:        {m.RetryCount}");
            await output.WriteLineAsync($"consumer:       {m.ConsumerType}");
            await output.WriteLineAsync($"exception:      {m.ExceptionType}: {m.ExceptionMessage}");
            await output.WriteLineAsync("headers:");
            foreach (var (key, value) in m.Headers.OrderBy(h => h.Key, StringComparer.Ordinal))
            {
                if (key != "MT-Fault-StackTrace")
                {
                    await output.WriteLineAsync($"  {key}: {OneLine(value)}");
                }
            }

            await output.WriteLineAsync("stack trace:");
            await output.WriteLineAsync(m.StackTrace);
            await output.WriteLineAsync($"body ({m.BodySize} bytes):");
            await output.WriteLineAsync(m.Body);
            return 0;
        }, cancellationToken));
        return command;
    }

    private static Command Move(string name, string description, bool replay)
    {
        var connection = Connection.Create();
        var queue = new Option<string>("--queue") { Description = "The error queue (or its consumer's queue)", Required = true };
        var all = new Option<bool>("--all") { Description = "Every message in the queue" };
        var ids = new Argument<string[]>("message-ids") { Description = "Ids of the messages, as list prints them", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command(name, description) { queue, all, ids };
        connection.AddTo(command);
        command.SetAction((parse, cancellationToken) => RunAsync(parse, connection, async (client, headers, output) =>
        {
            var chosen = parse.GetValue(ids) ?? [];
            if (parse.GetValue(all) == (chosen.Length > 0))
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"errors {name}: give message ids or --all");
                return 2;
            }

            IReadOnlyCollection<string> done;
            IReadOnlyCollection<string> notFound;
            if (replay)
            {
                var request = new ReplayErrorMessagesRequest { Queue = parse.GetValue(queue)!, All = parse.GetValue(all) };
                request.MessageIds.AddRange(chosen);
                var response = await client.ReplayErrorMessagesAsync(request, headers, cancellationToken: cancellationToken);
                (done, notFound) = (response.ReplayedIds, response.NotFoundIds);
            }
            else
            {
                var request = new DiscardErrorMessagesRequest { Queue = parse.GetValue(queue)!, All = parse.GetValue(all) };
                request.MessageIds.AddRange(chosen);
                var response = await client.DiscardErrorMessagesAsync(request, headers, cancellationToken: cancellationToken);
                (done, notFound) = (response.DiscardedIds, response.NotFoundIds);
            }

            var verb = replay ? "replayed" : "discarded";
            foreach (var id in done)
            {
                await output.WriteLineAsync($"{verb} {id}");
            }

            foreach (var id in notFound)
            {
                await parse.InvocationConfiguration.Error.WriteLineAsync($"not found: {id}");
            }

            await output.WriteLineAsync($"{done.Count} messages {verb}, {notFound.Count} not found");
            return notFound.Count == 0 ? 0 : 1;
        }, cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        ParseResult parse, Connection connection, Func<ErrorQueueService.ErrorQueueServiceClient, Metadata, TextWriter, Task<int>> run, CancellationToken cancellationToken)
    {
        var server = parse.GetValue(connection.Server)!;
        if (!Uri.TryCreate(server, UriKind.Absolute, out var address) || address.Scheme is not ("http" or "https"))
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"errors: --server '{server}' is not an http or https address");
            return 2;
        }

        using var channel = GrpcChannel.ForAddress(address);
        try
        {
            return await run(new ErrorQueueService.ErrorQueueServiceClient(channel), connection.Headers(parse), parse.InvocationConfiguration.Output);
        }
        catch (RpcException ex)
        {
            await parse.InvocationConfiguration.Error.WriteLineAsync($"errors: {ex.StatusCode}: {ex.Status.Detail}");
            return 1;
        }
    }

    private static string FailedAt(ErrorMessage m) =>
        m.FailedAt is null ? "-" : m.FailedAt.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private static string ShortType(string type) => type.Length == 0 ? "-" : type[(type.LastIndexOf('.') + 1)..];

    private static string OneLine(string text)
    {
        var line = text.ReplaceLineEndings(" ");
        return line.Length <= 200 ? line : line[..197] + "...";
    }
}
