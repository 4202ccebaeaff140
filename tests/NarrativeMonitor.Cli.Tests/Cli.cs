using System.CommandLine;

namespace NarrativeMonitor.Cli.Tests;

public sealed record CliRun(int ExitCode, string Out, string Error)
{
    public IReadOnlyList<string> OutLines => Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Out}\n--- stderr\n{Error}";
}

/// <summary>Runs the command line in this process, as `narrativemonitor args…` would, with captured stdout and stderr.</summary>
public static class Cli
{
    public static Task<CliRun> RunAsync(params string[] args) => RunForAsync(TimeSpan.FromMinutes(3), args);

    /// <summary>Runs until the command ends or <paramref name="duration"/> passes, which cancels it as Ctrl+C would.</summary>
    public static async Task<CliRun> RunForAsync(TimeSpan duration, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var timeout = new CancellationTokenSource(duration);
        var exitCode = await CliCommands.RunAsync(args, new InvocationConfiguration { Output = output, Error = error }, timeout.Token);
        return new CliRun(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Runs and requires exit code 0, showing both streams when it is not.</summary>
    public static async Task<CliRun> RunOkAsync(params string[] args)
    {
        var run = await RunAsync(args);
        Assert.True(run.ExitCode == 0, $"narrativemonitor {string.Join(' ', args)}\n{run}");
        return run;
    }

    public static string RepositoryRoot => RepositoryPaths.Root;

    public static string Sample(string corpus, string file = "") => Path.Combine(RepositoryRoot, "samples", corpus, file);
}
