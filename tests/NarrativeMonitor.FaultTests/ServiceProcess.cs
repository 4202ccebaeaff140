using System.Diagnostics;
using System.Reflection;

namespace NarrativeMonitor.FaultTests;

public enum ServiceName
{
    Ingest,
    Classification,
    Alerts,
}

/// <summary>
/// One service as a child process of its own (<c>dotnet services/NarrativeMonitor.X/bin/&lt;Configuration&gt;/net10.0/NarrativeMonitor.X.dll</c>),
/// configured by command-line arguments, so a test can kill -9 it. Output goes to a log file per instance.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private static readonly HttpClient Http = new() { Timeout = TimeSpan.FromSeconds(5) };
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ServiceProcess(ServiceName service, Process process, StreamWriter log, string logPath, Uri grpc, Uri http)
    {
        Service = service;
        _process = process;
        _log = log;
        LogPath = logPath;
        GrpcAddress = grpc;
        HttpAddress = http;
    }

    public ServiceName Service { get; }
    public Uri GrpcAddress { get; }
    public Uri HttpAddress { get; }
    public string LogPath { get; }
    public bool HasExited => _process.HasExited;

    public static string DllPath(ServiceName service)
    {
        var metadata = typeof(ServiceProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().ToDictionary(a => a.Key, a => a.Value);
        var project = "NarrativeMonitor." + service;
        var path = Path.Combine(metadata["RepositoryRoot"]!, "services", project, "bin", metadata["Configuration"]!, "net10.0", project + ".dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"{path} is missing: build the test project (it builds the services) with the same configuration", path);
    }

    /// <summary>Starts the service on the given ports and waits until its /health (Redis and the bus) answers Healthy.</summary>
    public static async Task<ServiceProcess> StartAsync(
        ServiceName service, IReadOnlyDictionary<string, string> settings, int grpcPort, int httpPort, string logDirectory, int instance, string prefix)
    {
        var grpc = new Uri($"http://127.0.0.1:{grpcPort}");
        var http = new Uri($"http://127.0.0.1:{httpPort}");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(DllPath(service));
        var all = new Dictionary<string, string>(settings)
        {
            ["Kestrel:Endpoints:Grpc:Url"] = grpc.ToString().TrimEnd('/'),
            ["Kestrel:Endpoints:Grpc:Protocols"] = "Http2",
            ["Kestrel:Endpoints:Http:Url"] = http.ToString().TrimEnd('/'),
            ["Kestrel:Endpoints:Http:Protocols"] = "Http1",
        };
        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add($"--{key}={value}");
        }

        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        // The machine has two cores shared by everything: workstation GC keeps each service's heap and threads small.
        start.Environment["DOTNET_gcServer"] = "0";

        var logPath = Path.Combine(logDirectory, $"{prefix}-{service.ToString().ToLowerInvariant()}-{instance}.log");
        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = Process.Start(start) ?? throw new InvalidOperationException($"dotnet {service} did not start");
        process.OutputDataReceived += (_, e) => Write(log, e.Data);
        process.ErrorDataReceived += (_, e) => Write(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var started = new ServiceProcess(service, process, log, logPath, grpc, http);
        await started.WaitHealthyAsync(TimeSpan.FromSeconds(90));
        return started;
    }

    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Service} exited with {_process.ExitCode} before it was healthy:\n{Tail()}");
            }

            try
            {
                using var response = await Http.GetAsync(new Uri(HttpAddress, "/health"));
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException($"{Service} was not healthy within {timeout.TotalSeconds} s:\n{Tail()}");
            }

            await Task.Delay(250);
        }
    }

    /// <summary>SIGKILL (kill -9): no graceful shutdown, in-flight messages stay unacknowledged.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await _process.WaitForExitAsync();
    }

    /// <summary>The last lines of the service's output, for failure messages.</summary>
    public string Tail(int lines = 40)
    {
        lock (_log)
        {
            _log.Flush();
        }

        using var stream = new FileStream(LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var all = reader.ReadToEnd().Split('\n');
        return string.Join('\n', all.TakeLast(lines));
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private static void Write(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            try
            {
                log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // Output after the test let go of the process.
            }
        }
    }
}
