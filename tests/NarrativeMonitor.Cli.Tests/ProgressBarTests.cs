using NarrativeMonitor.Cli.Client;

namespace NarrativeMonitor.Cli.Tests;

public sealed class ProgressBarTests
{
    [Fact]
    public void A_disabled_bar_writes_nothing()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, "articles", 10, enabled: false);

        for (var i = 1; i <= 10; i++)
        {
            bar.Report(i);
        }

        bar.Done();
        Assert.Equal("", output.ToString());
    }

    [Fact]
    public void An_enabled_bar_redraws_in_place_shows_the_last_count_and_clears_itself()
    {
        var output = new StringWriter();
        var bar = new ProgressBar(output, "articles", 4, enabled: true);

        bar.Report(1);
        bar.Report(4);
        var drawn = output.ToString();
        bar.Done();

        Assert.StartsWith("\r[", drawn);
        Assert.Contains("] 4/4 articles", drawn);
        Assert.Contains("[" + new string('#', 30) + "]", drawn);
        Assert.DoesNotContain('\n', output.ToString());
        Assert.EndsWith("\r", output.ToString());
    }
}
