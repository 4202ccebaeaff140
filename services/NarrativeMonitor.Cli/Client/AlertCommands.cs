using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using NarrativeMonitor.Protos.Alerts.V1;
using ProtoAlertKind = NarrativeMonitor.Protos.Common.V1.AlertKind;

namespace NarrativeMonitor.Cli.Client;

/// <summary>`alerts list|show|ack|resolve|watch` (AlertService).</summary>
public static class AlertCommands
{
    private static readonly Option<string?> ClaimFilter = new("--claim") { Description = "Only alerts on this claim" };
    private static readonly Option<string?> OutletFilter = new("--outlet") { Description = "Only alerts on this outlet (source id)" };
    private static readonly Option<string?> KindFilter = new("--kind") { Description = "Only this kind: denial, deflection, omission" };

    public static Command Build() =>
        new Command("alerts", "Divergence alerts: list, inspect, acknowledge, resolve, watch live") { List(), Show(), Acknowledge(), Resolve(), Watch() }
            .WithClientOptions();

    private static Command List()
    {
        var state = new Option<string?>("--state") { Description = "Only this state: open, acknowledged, resolved, withdrawn (default: all but withdrawn)" };
        var since = new Option<string?>("--since") { Description = "Only alerts raised at or after: 2024-11-05, 2024-11-05T09:30:00Z, or an age like 7d" };
        var until = new Option<string?>("--until") { Description = "Only alerts raised before this time" };
        var limit = new Option<int>("--limit") { Description = "At most this many alerts", DefaultValueFactory = _ => 1000 };
        var command = new Command("list", "Lists alerts, newest raised first") { ClaimFilter, OutletFilter, KindFilter, state, since, until, limit };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var request = new ListAlertsRequest
            {
                ClaimId = parse.GetValue(ClaimFilter) ?? "",
                SourceId = parse.GetValue(OutletFilter) ?? "",
                Kind = parse.GetValue(KindFilter) is { } kind ? Output.ParseName<ProtoAlertKind>(kind, "--kind") : ProtoAlertKind.Unspecified,
                State = parse.GetValue(state) is { } s ? Output.ParseName<AlertState>(s, "--state") : AlertState.Unspecified,
                RaisedAfter = parse.GetValue(since) is { } after ? Timestamp.FromDateTimeOffset(Output.ParseTime(after, "--since")) : null,
                RaisedBefore = parse.GetValue(until) is { } before ? Timestamp.FromDateTimeOffset(Output.ParseTime(before, "--until")) : null,
            };
            var max = parse.GetValue(limit);
            if (max <= 0)
            {
                throw new UsageException("--limit: must be positive");
            }

            var alerts = new List<Alert>();
            do
            {
                request.PageSize = Math.Min(1000, max - alerts.Count);
                var page = await context.Alerts.ListAlertsAsync(request, cancellationToken: cancellationToken);
                // A server that predates the time filters ignores them; filtering here keeps the answer right either way.
                alerts.AddRange(page.Alerts.Where(a => Matches(a, request)));
                request.PageToken = page.NextPageToken;
            }
            while (request.PageToken.Length > 0 && alerts.Count < max);

            if (context.Json)
            {
                context.WriteJsonLines(alerts);
            }
            else
            {
                WriteTable(context.Output, alerts);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool Matches(Alert alert, ListAlertsRequest request) =>
        (request.RaisedAfter is null || alert.RaisedAt.ToDateTimeOffset() >= request.RaisedAfter.ToDateTimeOffset())
        && (request.RaisedBefore is null || alert.RaisedAt.ToDateTimeOffset() < request.RaisedBefore.ToDateTimeOffset());

    public static void WriteTable(TextWriter output, IReadOnlyList<Alert> alerts) =>
        output.WriteTable(["ID", "RAISED (UTC)", "KIND", "SEVERITY", "STATE", "OUTLET", "CLAIM", "RESOLVED (UTC)"],
            [.. alerts.Select(a => new[]
            {
                a.Id, Output.Short(a.RaisedAt), Output.Name(a.Kind), Output.Name(a.Severity), Output.Name(a.State), a.SourceId, a.ClaimId, Output.Short(a.ResolvedAt),
            })],
            "No alerts.");

    private static Command Show()
    {
        var id = new Argument<string>("id") { Description = "Alert id" };
        var command = new Command("show", "Shows one alert with its explanation, the evidence (with links) and its audit trail") { id };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var alert = await context.Alerts.GetAlertAsync(new GetAlertRequest { Id = parse.GetValue(id)! }, cancellationToken: cancellationToken);
            if (context.Json)
            {
                await context.Output.WriteLineAsync(Output.ToJson(alert));
            }
            else
            {
                WriteDetails(context.Output, alert);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static void WriteDetails(TextWriter output, Alert alert)
    {
        output.WriteLine($"Alert:     {alert.Id}");
        output.WriteLine($"Kind:      {Output.Name(alert.Kind)} ({Output.Name(alert.Severity)} severity)");
        output.WriteLine($"State:     {Output.Name(alert.State)}");
        output.WriteLine($"Outlet:    {alert.SourceId}");
        output.WriteLine($"Claim:     {alert.ClaimId}{(alert.Explanation?.ClaimStatement is { Length: > 0 } statement ? $": {statement}" : "")}");
        output.WriteLine($"Raised:    {Output.Short(alert.RaisedAt)} UTC (claim confirmed {Output.Short(alert.Evidence?.ConfirmedAt)})");
        if (alert.ResolvedAt is not null)
        {
            var by = alert.ResolvedBy.Length > 0 ? $" by {alert.ResolvedBy}" : alert.ResolvingArticleId.Length > 0 ? $" by the outlet's article {alert.ResolvingArticleId}" : "";
            output.WriteLine($"Resolved:  {Output.Short(alert.ResolvedAt)} UTC{by}{(alert.ResolutionReason.Length > 0 ? $": {alert.ResolutionReason}" : "")}");
        }

        if (alert.AcknowledgedBy.Length > 0)
        {
            output.WriteLine($"Acknowledged: {Output.Short(alert.AcknowledgedAt)} UTC by {alert.AcknowledgedBy}{(alert.AcknowledgementNote.Length > 0 ? $": {alert.AcknowledgementNote}" : "")}");
        }

        output.WriteLine();
        var explanation = alert.Explanation;
        if (explanation is null || explanation.Summary.Length == 0)
        {
            output.WriteLine("Explanation: not provided by this server (it predates alert explanations).");
            WriteArticleIds(output, "Diverging articles", alert.Evidence?.DivergingArticleIds, alert.Evidence?.EvidenceSentences);
            WriteArticleIds(output, "Confirming articles", alert.Evidence?.ConfirmingArticleIds, null);
        }
        else
        {
            output.WriteLine("Explanation:");
            output.WriteLine(Wrap(explanation.Summary, 100, "  "));
            WriteArticles(output, "Diverging articles", explanation.DivergingArticles);
            WriteArticles(output, "Confirming articles", explanation.ConfirmingArticles);
        }

        if (alert.Audit.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Audit trail:");
            foreach (var entry in alert.Audit)
            {
                output.WriteLine($"  {Output.Short(entry.At)}  {Output.Name(entry.Type),-12}  {entry.Actor}{(entry.Note.Length > 0 ? $": {entry.Note}" : "")}");
            }
        }
    }

    private static void WriteArticles(TextWriter output, string title, IReadOnlyList<ArticleReference> articles)
    {
        output.WriteLine();
        output.WriteLine($"{title} ({articles.Count}):");
        foreach (var article in articles)
        {
            output.WriteLine($"  {Output.Short(article.PublishedAt)}  {article.SourceId}  {Output.Name(article.Stance)}  {article.ArticleId}: {article.Title}");
            if (article.Url.Length > 0)
            {
                output.WriteLine($"    {article.Url}");
            }

            if (article.EvidenceSentence.Length > 0)
            {
                output.WriteLine($"    \"{article.EvidenceSentence}\"");
            }
        }
    }

    private static void WriteArticleIds(TextWriter output, string title, IReadOnlyList<string>? ids, IReadOnlyList<string>? sentences)
    {
        output.WriteLine();
        output.WriteLine($"{title} ({ids?.Count ?? 0}):");
        for (var i = 0; i < (ids?.Count ?? 0); i++)
        {
            var sentence = sentences is not null && i < sentences.Count && sentences[i].Length > 0 ? $": \"{sentences[i]}\"" : "";
            output.WriteLine($"  {ids![i]}{sentence}");
        }
    }

    private static string Wrap(string text, int width, string indent)
    {
        var lines = new List<string>();
        var line = new System.Text.StringBuilder();
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(indent + line);
                line.Clear();
            }

            line.Append(line.Length > 0 ? " " : "").Append(word);
        }

        if (line.Length > 0)
        {
            lines.Add(indent + line);
        }

        return string.Join(Environment.NewLine, lines);
    }

    private static Option<string> Analyst() => new("--analyst")
    {
        Description = "Who you are, recorded on the alert (env NM_ANALYST; default: your user name)",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("NM_ANALYST") is { Length: > 0 } analyst ? analyst : Environment.UserName,
    };

    private static Command Acknowledge()
    {
        var id = new Argument<string>("id") { Description = "Alert id" };
        var note = new Option<string?>("--note") { Description = "A note for other analysts" };
        var analyst = Analyst();
        var command = new Command("ack", "Acknowledges an alert: you have seen it; the divergence stands") { id, note, analyst };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var alert = await context.Alerts.AcknowledgeAlertAsync(new AcknowledgeAlertRequest
            {
                Id = parse.GetValue(id)!,
                Analyst = parse.GetValue(analyst)!,
                Note = parse.GetValue(note) ?? "",
            }, cancellationToken: cancellationToken);
            await context.Output.WriteLineAsync(context.Json ? Output.ToJson(alert) : $"Alert {alert.Id} is {Output.Name(alert.State)} (acknowledged by {alert.AcknowledgedBy}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Resolve()
    {
        var id = new Argument<string>("id") { Description = "Alert id" };
        var reason = new Option<string>("--reason") { Description = "Why you close it, e.g. a false positive", Required = true };
        var analyst = Analyst();
        var command = new Command("resolve", "Resolves an alert by hand, with a reason") { id, reason, analyst };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var alert = await context.Alerts.ResolveAlertAsync(new ResolveAlertRequest
            {
                Id = parse.GetValue(id)!,
                Analyst = parse.GetValue(analyst)!,
                Reason = parse.GetValue(reason)!,
            }, cancellationToken: cancellationToken);
            await context.Output.WriteLineAsync(context.Json ? Output.ToJson(alert)
                : $"Alert {alert.Id} is {Output.Name(alert.State)} (resolved by {(alert.ResolvedBy.Length > 0 ? alert.ResolvedBy : parse.GetValue(analyst))}: {alert.ResolutionReason}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Watch()
    {
        var cursor = new Option<string?>("--cursor") { Description = "Resume right after this event (the CURSOR column, or the cursor field in --json)" };
        var fromBeginning = new Option<bool>("--from-beginning") { Description = "Without --cursor: replay every stored event first" };
        var limit = new Option<int?>("--limit") { Description = "Stop after this many events" };
        var command = new Command("watch", "Streams alert events live (raised, resolved, acknowledged, withdrawn) until Ctrl+C")
        {
            cursor, fromBeginning, ClaimFilter, OutletFilter, KindFilter, limit,
        };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var request = new SubscribeAlertsRequest
            {
                Cursor = parse.GetValue(cursor) ?? "",
                FromBeginning = parse.GetValue(fromBeginning),
                ClaimId = parse.GetValue(ClaimFilter) ?? "",
                SourceId = parse.GetValue(OutletFilter) ?? "",
                Kind = parse.GetValue(KindFilter) is { } kind ? Output.ParseName<ProtoAlertKind>(kind, "--kind") : ProtoAlertKind.Unspecified,
            };
            var max = parse.GetValue(limit);
            if (max is <= 0)
            {
                throw new UsageException("--limit: must be positive");
            }

            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            using var call = context.Alerts.SubscribeAlerts(request, cancellationToken: stop.Token);
            var seen = 0;
            if (!context.Json)
            {
                await context.Output.WriteLineAsync($"{"RECORDED (UTC)",-16}  {"EVENT",-12}  {"KIND",-10}  {"OUTLET",-8}  {"CLAIM",-20}  {"ALERT",-24}  CURSOR");
                await context.Output.FlushAsync(cancellationToken);
            }

            try
            {
                while (await call.ResponseStream.MoveNext(stop.Token))
                {
                    var alertEvent = call.ResponseStream.Current;
                    // A server that predates the subscription filters sends every event; filtering here keeps the stream right.
                    if (!Matches(alertEvent.Alert, request))
                    {
                        continue;
                    }

                    var a = alertEvent.Alert;
                    await context.Output.WriteLineAsync(context.Json ? Output.ToJson(alertEvent)
                        : $"{Output.Short(alertEvent.RecordedAt),-16}  {Output.Name(alertEvent.Type),-12}  {Output.Name(a.Kind),-10}  {a.SourceId,-8}  {a.ClaimId,-20}  {a.Id,-24}  {alertEvent.Cursor}");
                    await context.Output.FlushAsync(stop.Token);
                    if (++seen == max)
                    {
                        await stop.CancelAsync();
                        break;
                    }
                }
            }
            catch (Grpc.Core.RpcException ex) when (ex.StatusCode == Grpc.Core.StatusCode.Cancelled && stop.IsCancellationRequested)
            {
                // Stopped by --limit or Ctrl+C.
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static bool Matches(Alert alert, SubscribeAlertsRequest request) =>
        (request.ClaimId.Length == 0 || alert.ClaimId == request.ClaimId)
        && (request.SourceId.Length == 0 || alert.SourceId == request.SourceId)
        && (request.Kind == ProtoAlertKind.Unspecified || alert.Kind == request.Kind);
}
