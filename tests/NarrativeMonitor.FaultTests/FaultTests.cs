using Xunit;
using Xunit.Abstractions;

namespace NarrativeMonitor.FaultTests;

/// <summary>
/// Each test runs the workload through ingest, classification and alert (three processes) on the collection's own
/// redis-server and rabbitmq-server, injects its faults mid-load, and checks that nothing accepted was lost and no alert
/// was raised twice (see <see cref="FaultRun.VerifyAsync"/>). The figures go to the test output.
/// </summary>
[Collection(FaultServersCollection.Name)]
public sealed class FaultTests(FaultServers servers, ITestOutputHelper output)
{
    private const int BrokerLossArticles = 20_000;
    private const int Articles = 10_000;
    /// <summary>How long a killed server stays down: about what a supervisor takes to notice and restart it.</summary>
    private static readonly TimeSpan Downtime = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Broker_killed_mid_load_and_restarted_loses_nothing_and_raises_nothing_twice()
    {
        await using var run = await FaultRun.StartAsync(servers, output, BrokerLossArticles);
        var submitting = run.SubmitAllAsync();

        await run.WaitForAcceptedAsync(0.35);
        await servers.KillRabbitMqAsync();
        run.Fault($"kill -9 rabbitmq-server at {run.Accepted} accepted articles");
        await Task.Delay(Downtime);
        await servers.StartRabbitMqAsync();
        run.Log("rabbitmq-server restarted");

        await submitting;
        await run.VerifyAsync();
    }

    [Fact]
    public async Task Classification_process_killed_mid_load_is_replaced_and_loses_nothing()
    {
        await using var run = await FaultRun.StartAsync(servers, output, Articles);
        var submitting = run.SubmitAllAsync();

        await run.WaitForAcceptedAsync(0.4);
        await run.Deployment.KillAsync(ServiceName.Classification);
        run.Fault($"kill -9 the classification process at {run.Accepted} accepted articles");
        await Task.Delay(Downtime);
        await run.Deployment.StartServiceAsync(ServiceName.Classification);
        run.Log("replacement classification process started");

        await submitting;
        await run.VerifyAsync();
    }

    [Fact]
    public async Task Alert_process_killed_mid_load_is_replaced_and_raises_nothing_twice()
    {
        await using var run = await FaultRun.StartAsync(servers, output, Articles);
        var submitting = run.SubmitAllAsync();

        await run.WaitForAcceptedAsync(0.4);
        await run.Deployment.KillAsync(ServiceName.Alerts);
        run.Fault($"kill -9 the alert process at {run.Accepted} accepted articles");
        await Task.Delay(Downtime);
        await run.Deployment.StartServiceAsync(ServiceName.Alerts);
        run.Log("replacement alert process started");

        await submitting;
        await run.VerifyAsync();
    }

    [Fact]
    public async Task Redis_killed_and_shut_down_mid_load_keeps_its_state_and_the_services_reconnect()
    {
        await using var run = await FaultRun.StartAsync(servers, output, Articles);
        var submitting = run.SubmitAllAsync();

        await run.WaitForAcceptedAsync(0.3);
        await servers.KillRedisAsync();
        run.Fault($"kill -9 redis-server at {run.Accepted} accepted articles");
        await Task.Delay(Downtime);
        await servers.StartRedisAsync();
        run.Log("redis-server restarted from its AOF");

        await run.WaitForAcceptedAsync(0.7);
        await servers.ShutdownRedisAsync();
        run.Fault($"redis-server SHUTDOWN at {run.Accepted} accepted articles");
        await Task.Delay(Downtime);
        await servers.StartRedisAsync();
        run.Log("redis-server restarted from its AOF");

        await submitting;
        await run.VerifyAsync();
    }
}
