using MassTransit;
using MassTransit.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace NarrativeMonitor.Alerts.Tests;

/// <summary>The alert service's consumers on MassTransit's test harness, with the in-memory store.</summary>
internal sealed class AlertHarness : IAsyncDisposable
{
    private AlertHarness(IHost host)
    {
        Host = host;
        Harness = host.Services.GetTestHarness();
    }

    public IHost Host { get; }
    public ITestHarness Harness { get; }
    public IAlertLedger Ledger => Host.Services.GetRequiredService<IAlertLedger>();
    public IAlertStore Store => Host.Services.GetRequiredService<IAlertStore>();

    public static async Task<AlertHarness> StartAsync()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["Storage:Provider"] = "InMemory" });
        builder.AddAlertServices();
        builder.Services.AddMassTransitTestHarness(bus => bus.AddAlertConsumers());
        var harness = new AlertHarness(builder.Build());
        await harness.Harness.Start();
        return harness;
    }

    public async ValueTask DisposeAsync()
    {
        await Harness.Stop();
        Host.Dispose();
    }
}
