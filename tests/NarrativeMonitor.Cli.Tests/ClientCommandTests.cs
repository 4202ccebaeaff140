using NarrativeMonitor.Cli.Client;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Cli.Tests;

/// <summary>The client commands against the embedded services over real gRPC, loaded with the Kursk sample by the CLI.</summary>
public sealed class ClientCommandTests(EmbeddedServer server) : IClassFixture<EmbeddedServer>
{
    private string[] At(params string[] args) => [.. args, "--server", server.Address];

    [Fact]
    public void The_sample_loaded_through_the_cli_raises_the_expected_outlets_and_kinds()
    {
        // Streaming the whole file at once gives the same alerts as the replay in published order (order independence).
        var expected = new[]
        {
            "rg deflection", "rg omission", "ria deflection", "ria denial", "ria omission", "rt denial", "tass deflection", "tass omission",
        };
        Assert.Equal(expected, server.Alerts.Select(a => $"{a.SourceId} {Output.Name(a.Kind)}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Claims_create_list_get_update_and_retire()
    {
        var id = "claim-" + Guid.NewGuid().ToString("N")[..8];
        var created = await Cli.RunOkAsync(At("claims", "create", id, "--statement", "The plant released chlorine gas", "--topic", "the plant fire",
            "--keyword", "chlorine", "--topic-keyword", "plant", "--rule", "N=3", "--rule", "M=2", "--rule", "W=7d"));
        Assert.Contains($"Created claim {id} (N=3 M=2 W=7d)", created.Out);

        var list = await Cli.RunOkAsync(At("claims", "list"));
        var row = Assert.Single(list.OutLines, l => l.StartsWith(id + " ", StringComparison.Ordinal));
        Assert.Contains("active", row);
        Assert.Contains("N=3 M=2 W=7d", row);

        var json = await Cli.RunOkAsync(At("claims", "get", id, "--json"));
        var claim = Claim.Parser.ParseJson(json.Out);
        Assert.Equal(["chlorine"], claim.Keywords);
        Assert.Equal(TimeSpan.FromDays(7), claim.Rules.OmissionWindow.ToTimeSpan());

        var updated = await Cli.RunOkAsync(At("claims", "update", id, "--rule", "M=4", "--json"));
        var after = Claim.Parser.ParseJson(updated.Out);
        Assert.Equal((3, 4), (after.Rules.ConfirmationSources, after.Rules.OmissionArticles));
        Assert.Equal("The plant released chlorine gas", after.Statement);

        await Cli.RunOkAsync(At("claims", "retire", id));
        Assert.DoesNotContain((await Cli.RunOkAsync(At("claims", "list", "--json"))).OutLines, l => Claim.Parser.ParseJson(l).Id == id);
        var all = (await Cli.RunOkAsync(At("claims", "list", "--all", "--json"))).OutLines.Select(Claim.Parser.ParseJson);
        Assert.Equal(ClaimStatus.Retired, Assert.Single(all, c => c.Id == id).Status);
    }

    [Fact]
    public async Task Creating_a_claim_twice_prints_the_grpc_status_and_exits_3()
    {
        var id = "claim-" + Guid.NewGuid().ToString("N")[..8];
        string[] create = At("claims", "create", id, "--statement", "A fact", "--topic", "A topic");
        await Cli.RunOkAsync(create);

        var again = await Cli.RunAsync(create);

        Assert.Equal(ExitCodes.InvalidRequest, again.ExitCode);
        Assert.StartsWith("error: ALREADY_EXISTS: ", again.Error);
    }

    [Fact]
    public async Task Ingest_reports_each_bad_line_with_file_and_line_and_accepts_the_good_ones()
    {
        var source = "src-" + Guid.NewGuid().ToString("N")[..8];
        await Cli.RunOkAsync(At("sources", "register", source, "--name", "Test outlet", "--kind", "wire", "--country", "GB", "--language", "en"));
        var file = Path.Combine(Directory.CreateTempSubdirectory("nm-cli-").FullName, "batch.jsonl");
        string Article(int n, string url, string published = "2025-01-02T10:00:00Z") =>
            $$"""{"id": "{{source}}-{{n}}", "source_id": "{{source}}", "url": "{{url}}", "published_at": "{{published}}", "title": "Story {{n}} {{source}}", "body": "Body of story {{n}} by {{source}}, about nothing in particular."}""";
        await File.WriteAllLinesAsync(file,
        [
            Article(1, $"https://example.org/{source}/1"),
            Article(2, "not-a-url"),
            "{\"id\": \"broken\", ",
            "",
            Article(4, $"https://example.org/{source}/4", published: "yesterday"),
            Article(5, $"https://example.org/{source}/5"),
        ]);

        var run = await Cli.RunAsync(At("ingest", file));

        Assert.Equal(ExitCodes.Rejected, run.ExitCode);
        var errors = run.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(3, errors.Length);
        Assert.StartsWith($"{file}:2: article.url: ", errors[0]);
        Assert.StartsWith($"{file}:3: invalid JSON", errors[1]);
        Assert.StartsWith($"{file}:5: published_at: 'yesterday'", errors[2]);
        Assert.Contains("5 articles: 2 accepted, 0 duplicates, 3 rejected", run.Out);
        Assert.DoesNotContain('\r', run.Out);

        // The good lines were accepted: sent again, they are duplicates.
        var again = await Cli.RunAsync(At("ingest", file, "--json"));
        using var summary = System.Text.Json.JsonDocument.Parse(again.Out);
        Assert.Equal(0, summary.RootElement.GetProperty("accepted").GetInt32());
        Assert.Equal(2, summary.RootElement.GetProperty("duplicates").GetInt32());
        Assert.Equal(5, summary.RootElement.GetProperty("errors")[2].GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Sources_list_as_table_and_json()
    {
        var table = await Cli.RunOkAsync(At("sources", "list", "--kind", "state_media"));
        Assert.Equal(["rg", "ria", "rt", "tass"], table.OutLines.Skip(2).Select(l => l.Split(' ')[0]));

        var json = await Cli.RunOkAsync(At("sources", "list", "--json"));
        Assert.Contains(json.OutLines.Select(Source.Parser.ParseJson), s => s.Id == "isw" && s.Kind == Protos.Common.V1.SourceKind.Analysis);
    }

    [Fact]
    public async Task Feeds_add_list_pause_resume_health_and_remove()
    {
        var added = Feed.Parser.ParseJson((await Cli.RunOkAsync(At("feeds", "add", "https://feeds.invalid/rss.xml", "--source", "tass", "--kind", "rss", "--interval", "30m", "--json"))).Out);
        Assert.Equal(TimeSpan.FromMinutes(30), added.PollInterval.ToTimeSpan());

        Assert.Contains((await Cli.RunOkAsync(At("feeds", "list", "--source", "tass"))).OutLines, l => l.StartsWith(added.Id, StringComparison.Ordinal) && l.Contains("rss"));
        Assert.Contains("is paused", (await Cli.RunOkAsync(At("feeds", "pause", added.Id))).Out);
        Assert.Equal(FeedState.Paused, FeedHealth.Parser.ParseJson((await Cli.RunOkAsync(At("feeds", "health", added.Id, "--json"))).Out).State);
        Assert.Contains("is active", (await Cli.RunOkAsync(At("feeds", "resume", added.Id))).Out);
        await Cli.RunOkAsync(At("feeds", "remove", added.Id));
        Assert.DoesNotContain(added.Id, (await Cli.RunOkAsync(At("feeds", "list"))).Out);
    }

    [Fact]
    public async Task Alerts_list_filters_by_outlet_kind_state_and_time()
    {
        var table = await Cli.RunOkAsync(At("alerts", "list"));
        Assert.Equal(server.Alerts.Count, table.OutLines.Count - 2);
        Assert.StartsWith("ID ", table.OutLines[0]);

        var tass = (await Cli.RunOkAsync(At("alerts", "list", "--outlet", "tass", "--kind", "omission", "--json"))).OutLines.Select(Alert.Parser.ParseJson).ToList();
        Assert.Equal(server.Alerts.Where(a => a.SourceId == "tass" && a.Kind == Protos.Common.V1.AlertKind.Omission).Select(a => a.Id), tass.Select(a => a.Id));

        var resolved = (await Cli.RunOkAsync(At("alerts", "list", "--state", "resolved", "--claim", EmbeddedServer.Claim, "--json"))).OutLines.Select(Alert.Parser.ParseJson).ToList();
        // Resolved by the outlet's own acknowledgement; another test resolves an alert by hand.
        Assert.Equal(["rg", "rg"], resolved.Where(a => a.ResolvedBy.Length == 0).Select(a => a.SourceId));

        var since = new DateTimeOffset(2024, 11, 15, 0, 0, 0, TimeSpan.Zero);
        var until = new DateTimeOffset(2024, 12, 5, 0, 0, 0, TimeSpan.Zero);
        var window = (await Cli.RunOkAsync(At("alerts", "list", "--since", "2024-11-15", "--until", "2024-12-05T00:00:00Z", "--json"))).OutLines.Select(Alert.Parser.ParseJson).ToList();
        var inWindow = server.Alerts.Where(a => a.RaisedAt.ToDateTimeOffset() >= since && a.RaisedAt.ToDateTimeOffset() < until).Select(a => a.Id).Order().ToList();
        Assert.NotEmpty(inWindow);
        Assert.True(inWindow.Count < server.Alerts.Count);
        Assert.Equal(inWindow, window.Select(a => a.Id).Order());
    }

    [Fact]
    public async Task Alerts_show_prints_the_evidence_and_ack_records_the_note()
    {
        var alert = server.Alerts.First(a => a.SourceId == "ria" && a.Kind == Protos.Common.V1.AlertKind.Omission);

        var show = await Cli.RunOkAsync(At("alerts", "show", alert.Id));
        Assert.Contains($"Alert:     {alert.Id}", show.Out);
        Assert.Contains("Outlet:    ria", show.Out);
        Assert.Contains("Diverging articles", show.Out);
        Assert.All(alert.Evidence.DivergingArticleIds, id => Assert.Contains(id, show.Out));

        var ack = await Cli.RunOkAsync(At("alerts", "ack", alert.Id, "--note", "filed in the weekly report", "--analyst", "ana"));
        Assert.Contains("is acknowledged (acknowledged by ana)", ack.Out);

        var after = Alert.Parser.ParseJson((await Cli.RunOkAsync(At("alerts", "show", alert.Id, "--json"))).Out);
        Assert.Equal(AlertState.Acknowledged, after.State);
        Assert.Equal("filed in the weekly report", after.AcknowledgementNote);
        Assert.Equal("ana", after.AcknowledgedBy);
    }

    [Fact]
    public async Task Show_explains_resolve_leaves_an_audit_trail_and_timeline_counts_the_stances_on_the_real_services()
    {
        var alert = server.Alerts.First(a => a.SourceId == "rt" && a.Kind == Protos.Common.V1.AlertKind.Denial);

        var shown = Alert.Parser.ParseJson((await Cli.RunOkAsync(At("alerts", "show", alert.Id, "--json"))).Out);
        Assert.NotEmpty(shown.Explanation.Summary);
        Assert.NotEmpty(shown.Explanation.ConfirmingArticles);
        Assert.Equal(alert.Evidence.DivergingArticleIds, shown.Explanation.DivergingArticles.Select(a => a.ArticleId));
        var table = await Cli.RunOkAsync(At("alerts", "show", alert.Id));
        Assert.Contains("Explanation:", table.Out);
        Assert.DoesNotContain("not provided by this server", table.Out);

        var resolve = await Cli.RunOkAsync(At("alerts", "resolve", alert.Id, "--reason", "covered in the weekly report", "--analyst", "ana"));
        Assert.Contains($"Alert {alert.Id} is resolved (resolved by ana: covered in the weekly report)", resolve.Out);
        var after = Alert.Parser.ParseJson((await Cli.RunOkAsync(At("alerts", "show", alert.Id, "--json"))).Out);
        Assert.Equal(AlertState.Resolved, after.State);
        Assert.Equal("ana", after.ResolvedBy);
        Assert.Equal([AlertEventType.Raised, AlertEventType.Resolved], after.Audit.Select(e => e.Type));
        Assert.Equal("ana", after.Audit[^1].Actor);

        var timeline = ClaimTimeline.Parser.ParseJson((await Cli.RunOkAsync(At("timeline", EmbeddedServer.Claim, "--json"))).Out);
        var rt = Assert.Single(timeline.Outlets, o => o.SourceId == "rt");
        Assert.True(rt.Days.Sum(d => d.Denies) >= 1, "rt's denial is counted on its day");
        Assert.NotNull(timeline.ConfirmedAt);
        var printed = await Cli.RunOkAsync(At("timeline", EmbeddedServer.Claim));
        Assert.Contains(printed.OutLines, l => l.StartsWith("rt", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Alerts_show_of_an_unknown_id_exits_4_with_the_status_and_field()
    {
        var run = await Cli.RunAsync(At("alerts", "show", "al-nope"));

        Assert.Equal(ExitCodes.NotFound, run.ExitCode);
        Assert.StartsWith("error: NOT_FOUND: id: ", run.Error);
    }

    [Fact]
    public async Task Alerts_watch_streams_from_the_beginning_and_resumes_after_a_cursor()
    {
        var all = (await Cli.RunOkAsync(At("alerts", "watch", "--from-beginning", "--limit", "5", "--json"))).OutLines.Select(AlertEvent.Parser.ParseJson).ToList();
        Assert.Equal(5, all.Count);

        var resumed = (await Cli.RunOkAsync(At("alerts", "watch", "--cursor", all[2].Cursor, "--limit", "2", "--json"))).OutLines.Select(AlertEvent.Parser.ParseJson).ToList();
        Assert.Equal(all.Skip(3).Select(e => e.Cursor), resumed.Select(e => e.Cursor));

        var table = await Cli.RunOkAsync(At("alerts", "watch", "--from-beginning", "--limit", "2"));
        Assert.StartsWith("RECORDED (UTC)", table.OutLines[0]);
        Assert.EndsWith(all[1].Cursor, table.OutLines[2]);

        var rt = (await Cli.RunOkAsync(At("alerts", "watch", "--from-beginning", "--outlet", "rt", "--limit", "1", "--json"))).OutLines.Select(AlertEvent.Parser.ParseJson);
        Assert.Equal("rt", Assert.Single(rt).Alert.SourceId);
    }

    [Fact]
    public async Task Unreachable_server_exits_6_naming_the_address()
    {
        var run = await Cli.RunAsync("alerts", "list", "--alerts", $"http://127.0.0.1:{EmbeddedHost.FreePort()}");

        Assert.Equal(ExitCodes.Unavailable, run.ExitCode);
        Assert.StartsWith("error: UNAVAILABLE: ", run.Error);
        Assert.Contains("is the service running?", run.Error);
    }

    [Fact]
    public async Task Bad_options_exit_2()
    {
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(At("alerts", "list", "--state", "bogus"))).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync(At("alerts", "list", "--no-such-option"))).ExitCode);
        Assert.Equal(ExitCodes.Usage, (await Cli.RunAsync("alerts", "list", "--server", "not a uri")).ExitCode);
        var rule = await Cli.RunAsync(At("claims", "create", "x", "--statement", "s", "--topic", "t", "--rule", "Q=1"));
        Assert.Equal(ExitCodes.Usage, rule.ExitCode);
        Assert.Contains("'Q' is not a rule", rule.Error);
    }
}
