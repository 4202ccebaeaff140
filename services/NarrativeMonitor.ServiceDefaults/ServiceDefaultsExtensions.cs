using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using NarrativeMonitor.ServiceDefaults.Security;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace NarrativeMonitor.ServiceDefaults;

public static class ServiceDefaultsExtensions
{
    public const string LiveTag = "live";

    /// <summary>
    /// grpc.health.v1 service name answered by the live-tagged checks only (Kubernetes liveness); the overall service ""
    /// runs every check, Redis and the bus included (readiness).
    /// </summary>
    public const string LivenessService = "liveness";

    /// <summary>Prometheus scrape path, served on every Kestrel endpoint (the HTTP/1.1 one is what scrapers reach).</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>OpenTelemetry, health checks and gRPC (with reflection and grpc.health.v1) for every service.</summary>
    public static IHostApplicationBuilder AddServiceDefaults(this IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });

        builder.Services.AddOpenTelemetry()
            // Traces and metrics name the service they came from (OTEL_SERVICE_NAME overrides it).
            .ConfigureResource(resource => resource.AddService(builder.Environment.ApplicationName))
            .WithTracing(tracing => tracing
                .AddSource(Telemetry.ActivitySourceName)
                .AddSource("MassTransit")
                .AddAspNetCoreInstrumentation(o => o.Filter = ctx =>
                    !ctx.Request.Path.StartsWithSegments("/health") && !ctx.Request.Path.StartsWithSegments("/alive")
                    && !ctx.Request.Path.StartsWithSegments(MetricsPath))
                .AddHttpClientInstrumentation())
            .WithMetrics(metrics => metrics
                .AddMeter(Telemetry.MeterName)
                .AddMeter("MassTransit")
                .AddAspNetCoreInstrumentation()
                .AddRuntimeInstrumentationIfAvailable()
                .AddPrometheusExporter());

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            builder.Services.AddOpenTelemetry().UseOtlpExporter();
        }

        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [LiveTag]);

        builder.Services.AddGrpc(options =>
        {
            options.EnableDetailedErrors = false;
            options.MaxReceiveMessageSize = 8 * 1024 * 1024;
            options.Interceptors.Add<CallGuardInterceptor>();
        });
        builder.Services.AddGrpcReflection();
        builder.Services.AddGrpcHealthChecks(health =>
            health.Services.Map(LivenessService, check => check.Tags.Contains(LiveTag)));
        builder.Services.AnswerUndecodableRequestsWithInvalidArgument();

        builder.AddServiceSecurity();
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(30));
        return builder;
    }

    /// <summary>
    /// HTTP /health (ready: every check), /alive (the process only) and /metrics (Prometheus), grpc.health.v1 ("" ready,
    /// "liveness" alive), gRPC reflection and the error-queue admin API (narrativemonitor.admin.v1, for the consumers
    /// AddMessaging configured), in every environment; health and metrics answer without credentials.
    /// On a WebApplication it also adds authentication, authorization and the rate limiter to the pipeline.
    /// </summary>
    public static IEndpointRouteBuilder MapDefaultEndpoints(this IEndpointRouteBuilder app)
    {
        if (app is IApplicationBuilder pipeline)
        {
            pipeline.UseServiceSecurity();
        }

        app.MapHealthChecks("/health").AllowAnonymous();
        app.MapHealthChecks("/alive", new HealthCheckOptions { Predicate = r => r.Tags.Contains(LiveTag) }).AllowAnonymous();
        app.MapPrometheusScrapingEndpoint(MetricsPath).AllowAnonymous();
        app.MapGrpcHealthChecksService().AllowAnonymous();
        app.MapGrpcReflectionService();
        app.MapGrpcService<ErrorQueues.ErrorQueueGrpcService>();
        return app;
    }

    private static MeterProviderBuilder AddRuntimeInstrumentationIfAvailable(this MeterProviderBuilder metrics) =>
        metrics.AddMeter("System.Runtime");
}
