using System.Diagnostics;
using System.IO.Compression;
using System.Reflection;

namespace NarrativeMonitor.Cli.Tests;

/// <summary>The CLI packs as a .NET tool, installs from the local folder with `dotnet tool install`, and runs.</summary>
public sealed class ToolPackageTests
{
    [Fact]
    public async Task Pack_makes_a_tool_package_that_installs_from_a_local_folder_and_runs()
    {
        var configuration = typeof(ToolPackageTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "Configuration").Value!;
        var work = Directory.CreateTempSubdirectory("nm-tool-");
        var packages = Path.Combine(work.FullName, "nupkg");
        var project = Path.Combine(Cli.RepositoryRoot, "services", "NarrativeMonitor.Cli", "NarrativeMonitor.Cli.csproj");

        // The test project's build has just built the CLI in this configuration; pack what it built.
        await DotnetAsync(work.FullName, "pack", project, "-c", configuration, "--no-build", "-o", packages);

        var package = Assert.Single(Directory.GetFiles(packages, "NarrativeMonitor.Cli.*.nupkg"));
        using (var zip = ZipFile.OpenRead(package))
        {
            var settings = zip.Entries.Single(e => e.FullName.EndsWith("DotnetToolSettings.xml", StringComparison.Ordinal));
            using var reader = new StreamReader(settings.Open());
            Assert.Contains("Name=\"narrativemonitor\"", await reader.ReadToEndAsync());
            Assert.Contains(zip.Entries, e => e.FullName.EndsWith("/narrativemonitor.dll", StringComparison.Ordinal));
            Assert.DoesNotContain(zip.Entries, e => e.Name == "appsettings.json");
        }

        var version = Path.GetFileNameWithoutExtension(package)["NarrativeMonitor.Cli.".Length..];
        var tools = Path.Combine(work.FullName, "tools");
        await DotnetAsync(work.FullName, "tool", "install", "NarrativeMonitor.Cli", "--tool-path", tools, "--add-source", packages, "--version", version, "--ignore-failed-sources");

        var help = await RunAsync(work.FullName, Path.Combine(tools, OperatingSystem.IsWindows() ? "narrativemonitor.exe" : "narrativemonitor"), "--help");
        Assert.Contains("replay <corpus-dir>", help);
        Assert.Contains("alerts", help);
        work.Delete(recursive: true);
    }

    private static Task<string> DotnetAsync(string directory, params string[] args) => RunAsync(directory, "dotnet", args);

    private static async Task<string> RunAsync(string directory, string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        await process.WaitForExitAsync(timeout.Token);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} exited {process.ExitCode}\n{await output}\n{await error}");
        return await output;
    }
}
