using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Cli.Tests;

/// <summary>
/// The embedded product (the three services in one process, as `serve` runs them) on free loopback ports, loaded with
/// the Kursk sample through the command line itself: `sources register`, `claims create` and `ingest`.
/// </summary>
public sealed class EmbeddedServer : IAsyncLifetime
{
    public const string Claim = "dprk-troops-kursk";
    private WebApplication? _app;

    public string Address { get; private set; } = "";

    /// <summary>The alerts the Kursk sample raised, as `alerts list --json` printed them.</summary>
    public IReadOnlyList<Alert> Alerts { get; private set; } = [];

    public async Task InitializeAsync()
    {
        _app = EmbeddedHost.Build([], new Dictionary<string, string?>
        {
            ["Kestrel:Endpoints:Grpc:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Kestrel:Endpoints:Http:Url"] = $"http://127.0.0.1:{EmbeddedHost.FreePort()}",
            ["Logging:LogLevel:Default"] = "Warning",
        });
        await _app.StartAsync();
        Address = _app.GrpcAddress().ToString();

        await LoadSampleAsync("kursk-2024", "--server", Address);
        Alerts = await WaitForAlertsAsync(ExpectedAlertCount("kursk-2024"), "--server", Address);
    }

    /// <summary>Loads a sample corpus through the command line: `sources register`, `claims create`, `ingest`.</summary>
    public static async Task LoadSampleAsync(string corpus, params string[] addressOptions)
    {
        using (var sources = JsonDocument.Parse(await File.ReadAllTextAsync(Cli.Sample(corpus, "sources.json"))))
        {
            foreach (var source in sources.RootElement.EnumerateArray())
            {
                await Cli.RunOkAsync(["sources", "register", source.GetProperty("id").GetString()!, "--name", source.GetProperty("name").GetString()!,
                    "--kind", source.GetProperty("kind").GetString()!, "--country", source.GetProperty("country").GetString()!,
                    "--language", source.GetProperty("language").GetString()!, .. addressOptions]);
            }
        }

        using (var claims = JsonDocument.Parse(await File.ReadAllTextAsync(Cli.Sample(corpus, "claims.json"))))
        {
            foreach (var claim in claims.RootElement.EnumerateArray())
            {
                var rules = claim.GetProperty("rules");
                var args = new List<string>
                {
                    "claims", "create", claim.GetProperty("id").GetString()!, "--statement", claim.GetProperty("statement").GetString()!,
                    "--topic", claim.GetProperty("topic").GetString()!,
                    "--rule", $"N={rules.GetProperty("confirmation_sources").GetInt32()}",
                    "--rule", $"M={rules.GetProperty("omission_articles").GetInt32()}",
                    "--rule", $"W={rules.GetProperty("omission_window").GetString()}",
                };
                foreach (var keyword in claim.GetProperty("keywords").EnumerateArray())
                {
                    args.AddRange(["--keyword", keyword.GetString()!]);
                }

                foreach (var keyword in claim.GetProperty("topic_keywords").EnumerateArray())
                {
                    args.AddRange(["--topic-keyword", keyword.GetString()!]);
                }

                await Cli.RunOkAsync([.. args, .. addressOptions]);
            }
        }

        await Cli.RunOkAsync(["ingest", Cli.Sample(corpus, "articles.jsonl"), .. addressOptions]);
    }

    public static int ExpectedAlertCount(string corpus)
    {
        using var expected = JsonDocument.Parse(File.ReadAllText(Cli.Sample(corpus, "expected-alerts.json")));
        return expected.RootElement.GetArrayLength();
    }

    /// <summary>
    /// Polls `alerts list --json` until the pipeline has raised at least <paramref name="count"/> alerts and the list stays the
    /// same for a second (the last evaluations may still resolve a raised alert).
    /// </summary>
    public static async Task<IReadOnlyList<Alert>> WaitForAlertsAsync(int count, params string[] addressOptions)
    {
        string[] args = ["alerts", "list", "--json", .. addressOptions];
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        var previous = "";
        var run = await Cli.RunOkAsync(args);
        while (DateTime.UtcNow < deadline)
        {
            if (run.OutLines.Count >= count && run.Out == previous)
            {
                return [.. run.OutLines.Select(Alert.Parser.ParseJson)];
            }

            previous = run.Out;
            await Task.Delay(run.OutLines.Count >= count ? 1000 : 250);
            run = await Cli.RunOkAsync(args);
        }

        throw new TimeoutException($"{run.OutLines.Count} alerts after 90 s, expected {count} and a stable list:\n{run.Out}");
    }

    public async Task DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
