using System.Net;
using System.Net.Sockets;

namespace NarrativeMonitor.FaultTests;

/// <summary>
/// Ingest, classification and alert as three child processes on the fault servers, under a key and entity prefix of
/// their own. A killed service is started again on the same ports, as an orchestrator would.
/// </summary>
public sealed class Deployment : IAsyncDisposable
{
    private readonly FaultServers _servers;
    private readonly Dictionary<ServiceName, ServiceProcess> _running = [];
    private readonly Dictionary<ServiceName, (int Grpc, int Http)> _ports = [];
    private readonly Dictionary<ServiceName, int> _instances = [];

    private Deployment(FaultServers servers, string prefix)
    {
        _servers = servers;
        Prefix = prefix;
        Settings = new Dictionary<string, string>
        {
            ["Storage:Provider"] = "Redis",
            ["Storage:RedisConnection"] = servers.RedisConnection,
            ["Storage:KeyPrefix"] = prefix + ":",
            ["Messaging:Transport"] = "RabbitMq",
            ["Messaging:RabbitMqUri"] = servers.AmqpUri.ToString(),
            ["Messaging:EntityPrefix"] = prefix,
            // The workload's alerts are order-independent only if every article takes its intended stance: the rules
            // classifier's cue lists guarantee that for these synthetic texts (Workload.ComputeExpected uses it too).
            ["Classification:Classifier"] = nameof(NarrativeMonitor.Classification.ClassifierKind.Rules),
            // Every endpoint binds loopback; harmless before the Auth section exists.
            ["Auth:Mode"] = "Open",
            ["Logging:LogLevel:Default"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting.Lifetime"] = "Information",
            ["Logging:LogLevel:MassTransit"] = "Warning",
        };
    }

    public string Prefix { get; }
    public Dictionary<string, string> Settings { get; }

    public ServiceProcess this[ServiceName service] => _running[service];

    public static async Task<Deployment> StartAsync(FaultServers servers, string prefix)
    {
        var deployment = new Deployment(servers, prefix);
        // Alerts and classification first: their queues exist before ingest publishes anything.
        foreach (var service in new[] { ServiceName.Alerts, ServiceName.Classification, ServiceName.Ingest })
        {
            deployment._ports[service] = (FreePort(), FreePort());
            await deployment.StartServiceAsync(service);
        }

        return deployment;
    }

    /// <summary>kill -9 of the service's process.</summary>
    public Task KillAsync(ServiceName service) => _running[service].KillAsync();

    /// <summary>A new instance of the service, on the same ports, Redis and queues.</summary>
    public async Task StartServiceAsync(ServiceName service)
    {
        if (_running.TryGetValue(service, out var previous))
        {
            await previous.DisposeAsync();
        }

        var instance = _instances[service] = _instances.GetValueOrDefault(service) + 1;
        var (grpc, http) = _ports[service];
        _running[service] = await ServiceProcess.StartAsync(service, Settings, grpc, http, _servers.LogDirectory, instance, Prefix);
    }

    /// <summary>Waits until every service answers healthy again (after a server came back).</summary>
    public async Task WaitHealthyAsync(TimeSpan timeout)
    {
        foreach (var process in _running.Values)
        {
            await process.WaitHealthyAsync(timeout);
        }
    }

    /// <summary>The services that died on their own (none should).</summary>
    public IReadOnlyList<ServiceProcess> Exited() => _running.Values.Where(p => p.HasExited).ToList();

    public string Tails() => string.Join("\n", _running.Values.Select(p => $"--- {p.Service} ({p.LogPath}) ---\n{p.Tail(15)}"));

    public async ValueTask DisposeAsync()
    {
        foreach (var process in _running.Values)
        {
            await process.DisposeAsync();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
