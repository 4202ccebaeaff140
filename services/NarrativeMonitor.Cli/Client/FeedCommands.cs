using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Cli.Client;

/// <summary>`feeds add|list|pause|resume|remove|health` (FeedService).</summary>
public static class FeedCommands
{
    public static Command Build() =>
        new Command("feeds", "Feeds (RSS, Atom, Telegram) that ingest polls") { Add(), List(), Change("pause"), Change("resume"), Remove(), Health() }
            .WithClientOptions();

    private static Command Add()
    {
        var source = new Option<string>("--source") { Description = "The source the feed's items belong to", Required = true };
        var url = new Argument<string>("url") { Description = "Feed URL, https://t.me/s/<channel> or @<channel>" };
        var kind = new Option<string?>("--kind") { Description = "rss, atom or telegram (default: detected)" };
        var interval = new Option<string?>("--interval") { Description = "Time between polls, e.g. 15m (default: the service's)" };
        var command = new Command("add", "Registers a feed") { url, source, kind, interval };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var feed = new Feed { SourceId = parse.GetValue(source)!, Url = parse.GetValue(url)! };
            if (parse.GetValue(kind) is { } k)
            {
                feed.Kind = Output.ParseName<FeedKind>(k, "--kind");
            }

            if (parse.GetValue(interval) is { } i)
            {
                feed.PollInterval = Duration.FromTimeSpan(Output.ParseDuration(i, "--interval"));
            }

            var added = await context.Feeds.AddFeedAsync(new AddFeedRequest { Feed = feed }, cancellationToken: cancellationToken);
            context.Output.WriteLine(context.Json ? Output.ToJson(added) : $"Added feed {added.Id} ({Output.Name(added.Kind)}) for {added.SourceId}: {added.Url}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var source = new Option<string?>("--source") { Description = "Only this source's feeds" };
        var command = new Command("list", "Lists feeds") { source };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var response = await context.Feeds.ListFeedsAsync(new ListFeedsRequest { SourceId = parse.GetValue(source) ?? "" }, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.WriteJsonLines(response.Feeds);
            }
            else
            {
                context.Output.WriteTable(["ID", "SOURCE", "KIND", "STATE", "INTERVAL", "URL"],
                    [.. response.Feeds.Select(f => new[] { f.Id, f.SourceId, Output.Name(f.Kind), Output.Name(f.State), f.PollInterval?.ToTimeSpan().ToString() ?? "-", f.Url })],
                    "No feeds.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Change(string verb)
    {
        var id = new Argument<string>("feed-id");
        var command = new Command(verb, verb == "pause" ? "Stops polling a feed" : "Polls a paused feed again") { id };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var feedId = parse.GetValue(id)!;
            var feed = verb == "pause"
                ? await context.Feeds.PauseFeedAsync(new PauseFeedRequest { FeedId = feedId }, cancellationToken: cancellationToken)
                : await context.Feeds.ResumeFeedAsync(new ResumeFeedRequest { FeedId = feedId }, cancellationToken: cancellationToken);
            context.Output.WriteLine(context.Json ? Output.ToJson(feed) : $"Feed {feed.Id} is {Output.Name(feed.State)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Remove()
    {
        var id = new Argument<string>("feed-id");
        var command = new Command("remove", "Removes a feed") { id };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var response = await context.Feeds.RemoveFeedAsync(new RemoveFeedRequest { FeedId = parse.GetValue(id)! }, cancellationToken: cancellationToken);
            context.Output.WriteLine(context.Json ? Output.ToJson(response) : $"Removed feed {parse.GetValue(id)}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Health()
    {
        var id = new Argument<string?>("feed-id") { Description = "One feed; without it every feed", Arity = ArgumentArity.ZeroOrOne };
        var source = new Option<string?>("--source") { Description = "Only this source's feeds" };
        var command = new Command("health", "Polling health: last success and error, items seen, accepted, duplicates") { id, source };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            List<FeedHealth> feeds = parse.GetValue(id) is { } feedId
                ? [await context.Feeds.GetFeedHealthAsync(new GetFeedHealthRequest { FeedId = feedId }, cancellationToken: cancellationToken)]
                : [.. (await context.Feeds.ListFeedHealthAsync(new ListFeedHealthRequest { SourceId = parse.GetValue(source) ?? "" }, cancellationToken: cancellationToken)).Feeds];
            if (context.Json)
            {
                context.WriteJsonLines(feeds);
            }
            else
            {
                context.Output.WriteTable(["FEED", "SOURCE", "STATE", "LAST SUCCESS", "FAILURES", "SEEN", "ACCEPTED", "DUPLICATE", "REJECTED", "LAST ERROR"],
                    [.. feeds.Select(f => new[]
                    {
                        f.FeedId, f.SourceId, Output.Name(f.State), Output.Short(f.LastSuccessAt), f.ConsecutiveFailures.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        f.ItemsSeen.ToString(System.Globalization.CultureInfo.InvariantCulture), f.ItemsAccepted.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        f.ItemsDuplicate.ToString(System.Globalization.CultureInfo.InvariantCulture), f.ItemsRejected.ToString(System.Globalization.CultureInfo.InvariantCulture),
                        f.LastError,
                    })],
                    "No feeds.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }
}
