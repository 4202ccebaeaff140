using System.Diagnostics;
using System.Net.Sockets;
using StackExchange.Redis;
using Xunit;

namespace NarrativeMonitor.FaultTests;

/// <summary>
/// A redis-server and a rabbitmq-server node of the fault tests' own, on loopback ports apart from the shared test servers
/// (16379/17672), with state under one folder of the temp directory, so the tests can kill -9 and restart them.
/// Redis: AOF on with <c>appendfsync always</c> (every acknowledged write is on disk before the reply, so a kill -9, or
/// a crash of the machine, loses nothing acknowledged; <c>everysec</c> is faster but a machine crash, or a kill -9 while a
/// slow fsync holds back the AOF write, loses up to about two seconds of acknowledged writes).
/// </summary>
public sealed class FaultServers : IAsyncLifetime
{
    public const int RedisPort = 16479;
    public const int AmqpPort = 17772;
    // Below the ephemeral port range, where an outgoing connection could hold it.
    public const int DistributionPort = AmqpPort + 1;
    public const string RabbitNode = "nmfault@localhost";
    private const string RabbitScripts = "/usr/lib/rabbitmq/bin";
    private static readonly string Missing =
        "run tests/servers.sh install (it installs Debian's redis-server and rabbitmq-server with apt; tests/run-tests.sh runs it) and retry";

    private Process? _redis;

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "nm-faults");
    public string RedisConnection => $"127.0.0.1:{RedisPort}";
    public Uri AmqpUri => new($"amqp://guest:guest@127.0.0.1:{AmqpPort}/");
    public string LogDirectory => Path.Combine(Root, "logs");

    public async Task InitializeAsync()
    {
        var redisServer = FindOnPath("redis-server");
        if (redisServer is null || !File.Exists(Path.Combine(RabbitScripts, "rabbitmq-server")))
        {
            throw new InvalidOperationException(
                $"The fault tests start their own redis-server and rabbitmq-server, and {(redisServer is null ? "redis-server is not on the PATH" : $"{RabbitScripts}/rabbitmq-server is missing")}: {Missing}.");
        }

        // A run that died left its servers behind: stop them before wiping their state.
        await StopLeftoversAsync();
        if (Directory.Exists(Root))
        {
            Directory.Delete(Root, recursive: true);
        }

        Directory.CreateDirectory(Path.Combine(Root, "redis"));
        Directory.CreateDirectory(Path.Combine(Root, "rabbitmq", "log"));
        Directory.CreateDirectory(LogDirectory);
        await File.WriteAllTextAsync(Path.Combine(Root, "rabbitmq", "enabled_plugins"), "[].");
        // loopback_users = none: guest may connect (the node listens on loopback only anyway).
        await File.WriteAllTextAsync(Path.Combine(Root, "rabbitmq", "rabbitmq.conf"), "loopback_users = none\n");

        await StartRedisAsync();
        await StartRabbitMqAsync();
    }

    public async Task DisposeAsync()
    {
        if (_redis is { HasExited: false })
        {
            _redis.Kill();
            await _redis.WaitForExitAsync();
        }

        await RabbitCtlAsync("stop", TimeSpan.FromSeconds(60));
    }

    public async Task StartRedisAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
                 {
                     "--port", RedisPort.ToString(), "--bind", "127.0.0.1", "--dir", Path.Combine(Root, "redis"),
                     "--appendonly", "yes", "--appendfsync", "always", "--save", "", "--daemonize", "no",
                     "--logfile", Path.Combine(LogDirectory, "redis.log"),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        _redis = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start");
        _redis.OutputDataReceived += (_, _) => { };
        _redis.ErrorDataReceived += (_, _) => { };
        _redis.BeginOutputReadLine();
        _redis.BeginErrorReadLine();
        await WaitUntilAsync(async () =>
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync($"{RedisConnection},connectTimeout=1000");
                // A server still loading its AOF answers LOADING: wait until it serves the data.
                await connection.GetDatabase().PingAsync();
                await connection.GetDatabase().KeyExistsAsync("nm-faults-probe");
                return true;
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), $"redis-server on port {RedisPort} did not answer within 30 s (see {LogDirectory}/redis.log)");
    }

    /// <summary>SIGKILL: no shutdown, no last AOF rewrite; what survives is what the AOF already held.</summary>
    public async Task KillRedisAsync()
    {
        _redis!.Kill();
        await _redis.WaitForExitAsync();
    }

    /// <summary>A clean SHUTDOWN (the AOF is flushed and fsynced first).</summary>
    public async Task ShutdownRedisAsync()
    {
        var result = await RunAsync("redis-cli", ["-p", RedisPort.ToString(), "shutdown"], TimeSpan.FromSeconds(30));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli shutdown failed ({result.ExitCode}): {result.Output}");
        }

        await _redis!.WaitForExitAsync();
    }

    public async Task StartRabbitMqAsync()
    {
        var result = await RunAsync(Path.Combine(RabbitScripts, "rabbitmq-server"), ["-detached"], TimeSpan.FromSeconds(60));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmq-server -detached failed ({result.ExitCode}): {result.Output}");
        }

        // await_startup fails at once while the node has not registered yet: ask again until it answers.
        var clock = Stopwatch.StartNew();
        var ready = await RabbitCtlAsync("await_startup", TimeSpan.FromSeconds(120));
        while (ready.ExitCode != 0 && clock.Elapsed < TimeSpan.FromSeconds(120))
        {
            await Task.Delay(1000);
            ready = await RabbitCtlAsync("await_startup", TimeSpan.FromSeconds(120));
        }

        if (ready.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"RabbitMQ node {RabbitNode} did not start within 120 s: {ready.Output} (see {Path.Combine(Root, "rabbitmq", "log")})");
        }

        await WaitUntilAsync(() => Task.FromResult(PortOpen(AmqpPort)), TimeSpan.FromSeconds(30), $"AMQP port {AmqpPort} did not open");
    }

    /// <summary>SIGKILL of the Erlang VM: no queue is closed cleanly; unconfirmed publishes and unacked deliveries are cut.</summary>
    public async Task KillRabbitMqAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(Root, "rabbitmq", "pid"))).Trim());
        using var node = Process.GetProcessById(pid);
        node.Kill();
        await node.WaitForExitAsync();
        await WaitUntilAsync(() => Task.FromResult(!PortOpen(AmqpPort)), TimeSpan.FromSeconds(10), $"AMQP port {AmqpPort} still open after kill -9");
    }

    /// <summary>Queue name and ready message count of every queue on the node.</summary>
    public async Task<IReadOnlyList<(string Queue, long Messages)>> ListQueuesAsync()
    {
        var result = await RabbitCtlAsync("list_queues name messages --no-table-headers --quiet", TimeSpan.FromSeconds(60));
        return result.Output
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => line.Split('\t', ' '))
            .Where(parts => parts.Length >= 2 && long.TryParse(parts[^1], out _))
            .Select(parts => (parts[0], long.Parse(parts[^1])))
            .ToList();
    }

    private async Task StopLeftoversAsync()
    {
        if (PortOpen(RedisPort))
        {
            await RunAsync("redis-cli", ["-p", RedisPort.ToString(), "shutdown", "nosave"], TimeSpan.FromSeconds(10));
        }

        if (PortOpen(AmqpPort) || File.Exists(Path.Combine(Root, "rabbitmq", "pid")))
        {
            await RabbitCtlAsync("stop", TimeSpan.FromSeconds(60));
        }
    }

    private Task<(int ExitCode, string Output)> RabbitCtlAsync(string command, TimeSpan timeout) =>
        RunAsync(Path.Combine(RabbitScripts, "rabbitmqctl"), ["-q", "-n", RabbitNode, .. command.Split(' ')], timeout);

    /// <summary>
    /// Runs a server script with the node's environment. The Debian wrappers in /usr/sbin switch to the rabbitmq user,
    /// who cannot write our state folder, so the scripts in /usr/lib/rabbitmq/bin are called directly (as tests/servers.sh does).
    /// </summary>
    private async Task<(int ExitCode, string Output)> RunAsync(string file, IEnumerable<string> arguments, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var state = Path.Combine(Root, "rabbitmq");
        start.Environment["RABBITMQ_NODENAME"] = RabbitNode;
        start.Environment["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1";
        start.Environment["RABBITMQ_NODE_PORT"] = AmqpPort.ToString();
        start.Environment["RABBITMQ_DIST_PORT"] = DistributionPort.ToString();
        start.Environment["RABBITMQ_MNESIA_BASE"] = Path.Combine(state, "mnesia");
        start.Environment["RABBITMQ_LOG_BASE"] = Path.Combine(state, "log");
        start.Environment["RABBITMQ_PID_FILE"] = Path.Combine(state, "pid");
        start.Environment["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(state, "enabled_plugins");
        start.Environment["RABBITMQ_CONFIG_FILE"] = Path.Combine(state, "rabbitmq");
        start.Environment["HOME"] = state;

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{file} did not start");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"{file} {string.Join(' ', arguments)} timed out after {timeout.TotalSeconds} s");
        }

        return (process.ExitCode, (await output) + (await error));
    }

    public static bool PortOpen(int port)
    {
        try
        {
            using var client = new TcpClient();
            client.Connect("127.0.0.1", port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    public static async Task WaitUntilAsync(Func<Task<bool>> condition, TimeSpan timeout, string failure)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout)
            {
                throw new TimeoutException(failure);
            }

            await Task.Delay(200);
        }
    }

    private static string? FindOnPath(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
        .Select(dir => Path.Combine(dir, name))
        .FirstOrDefault(File.Exists);
}

[CollectionDefinition(Name)]
public sealed class FaultServersCollection : ICollectionFixture<FaultServers>
{
    public const string Name = "fault-servers";
}
