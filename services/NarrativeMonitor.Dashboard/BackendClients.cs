using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Net.Client.Configuration;
using Microsoft.Extensions.Options;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;

namespace NarrativeMonitor.Dashboard;

/// <summary>One channel per service for the process; each call carries the caller's credential.</summary>
public sealed class BackendClients : IDisposable
{
    private readonly GrpcChannel _alerts;
    private readonly GrpcChannel _classification;
    private readonly DashboardOptions _options;

    public BackendClients(IOptions<DashboardOptions> options, ILoggerFactory loggerFactory)
    {
        _options = options.Value;
        _alerts = Channel(_options.AlertsAddress, loggerFactory);
        _classification = Channel(_options.ClassificationAddress, loggerFactory);
        Alerts = new AlertService.AlertServiceClient(_alerts);
        Classification = new ClassificationService.ClassificationServiceClient(_classification);
    }

    public AlertService.AlertServiceClient Alerts { get; }

    public ClassificationService.ClassificationServiceClient Classification { get; }

    /// <summary>
    /// Unary call options: the browser's bearer token or API key passed through unchanged (the services decide what it
    /// may do), else the configured service key, else nothing (services running open).
    /// </summary>
    public CallOptions Unary(HttpContext context) =>
        new(Credentials(context), DateTime.UtcNow.AddSeconds(_options.CallTimeoutSeconds), context.RequestAborted);

    /// <summary>Streaming call options: no deadline, ends with <paramref name="stop"/>.</summary>
    public CallOptions Streaming(HttpContext context, CancellationToken stop) => new(Credentials(context), cancellationToken: stop);

    private Metadata Credentials(HttpContext context)
    {
        var metadata = new Metadata();
        var authorization = context.Request.Headers.Authorization.ToString();
        var apiKey = context.Request.Headers["x-api-key"].ToString();
        if (authorization.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && authorization.Length > "Bearer ".Length)
        {
            metadata.Add("authorization", authorization);
        }
        else if (apiKey.Length > 0)
        {
            metadata.Add("x-api-key", apiKey);
        }
        else if (_options.ApiKey.Length > 0)
        {
            metadata.Add("x-api-key", _options.ApiKey);
        }

        return metadata;
    }

    private static GrpcChannel Channel(string address, ILoggerFactory loggerFactory)
    {
        var options = new GrpcChannelOptions { LoggerFactory = loggerFactory };
        if (address.StartsWith("dns:", StringComparison.OrdinalIgnoreCase))
        {
            // Every ready pod behind a headless Service, balanced per call (a long-lived HTTP/2 connection to one
            // address would pin all calls to one replica).
            options.Credentials = ChannelCredentials.Insecure;
            options.ServiceConfig = new ServiceConfig { LoadBalancingConfigs = { new RoundRobinConfig() } };
        }

        return GrpcChannel.ForAddress(address, options);
    }

    public void Dispose()
    {
        _alerts.Dispose();
        _classification.Dispose();
    }
}
