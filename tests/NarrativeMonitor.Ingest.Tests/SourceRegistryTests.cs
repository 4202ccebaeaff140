using Microsoft.Extensions.Options;
using NarrativeMonitor.Contracts;

namespace NarrativeMonitor.Ingest.Tests;

public sealed class SourceRegistryTests
{
    private readonly ManualTimeProvider _clock = new(Samples.Now);
    private readonly InMemorySourceStore _store = new();

    private SourceRegistry Registry() =>
        new(_store, _clock, Options.Create(new IngestOptions { SourceCacheTtl = TimeSpan.FromSeconds(30) }));

    [Fact]
    public async Task Registering_here_is_seen_at_once()
    {
        var registry = Registry();
        await registry.RegisterAsync(Samples.Tass);
        Assert.Equal(SourceKind.StateMedia, (await registry.GetAsync("tass"))?.Kind);

        await registry.RegisterAsync(Samples.Tass with { Kind = SourceKind.Official });
        Assert.Equal(SourceKind.Official, (await registry.GetAsync("tass"))?.Kind);
    }

    [Fact]
    public async Task Another_replicas_registration_is_seen_once_the_cached_entry_expires()
    {
        var here = Registry();
        var elsewhere = Registry();
        await elsewhere.RegisterAsync(Samples.Tass);
        Assert.NotNull(await here.GetAsync("tass"));

        await elsewhere.RegisterAsync(Samples.Tass with { Kind = SourceKind.Official });
        Assert.Equal(SourceKind.StateMedia, (await here.GetAsync("tass"))?.Kind);

        _clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(SourceKind.Official, (await here.GetAsync("tass"))?.Kind);
    }

    [Fact]
    public async Task An_unknown_source_is_not_cached_as_missing()
    {
        var here = Registry();
        Assert.Null(await here.GetAsync("reuters"));

        await Registry().RegisterAsync(Samples.Reuters);
        Assert.Equal(Samples.Reuters, await here.GetAsync("reuters"));
    }
}
