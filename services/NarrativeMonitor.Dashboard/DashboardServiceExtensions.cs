using Microsoft.Extensions.FileProviders;

namespace NarrativeMonitor.Dashboard;

public static class DashboardServiceExtensions
{
    /// <summary>Options (validated on start) and the gRPC clients of the alert and classification services.</summary>
    public static IHostApplicationBuilder AddDashboardServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DashboardOptions>()
            .BindConfiguration(DashboardOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => DashboardOptions.IsGrpcAddress(o.AlertsAddress),
                "Dashboard:AlertsAddress: must be an absolute http, https or dns:/// address of the alert service")
            .Validate(o => DashboardOptions.IsGrpcAddress(o.ClassificationAddress),
                "Dashboard:ClassificationAddress: must be an absolute http, https or dns:/// address of the classification service")
            .ValidateOnStart();
        builder.Services.AddSingleton<BackendClients>();
        return builder;
    }

    /// <summary>The pages at / and the API under /api.</summary>
    public static IEndpointRouteBuilder MapDashboard(this IEndpointRouteBuilder app)
    {
        var files = new EmbeddedFileProvider(typeof(DashboardServiceExtensions).Assembly, "NarrativeMonitor.Dashboard.wwwroot");
        app.MapGet("/", (HttpContext context) =>
        {
            // Article titles, sentences and links are shown on these pages: only the dashboard's own script may run.
            context.Response.Headers.ContentSecurityPolicy =
                "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'";
            context.Response.Headers.XContentTypeOptions = "nosniff";
            context.Response.Headers.CacheControl = "no-cache";
            return Results.Stream(files.GetFileInfo("index.html").CreateReadStream(), "text/html; charset=utf-8");
        }).AllowAnonymous();
        foreach (var (name, contentType) in new[] { ("app.js", "text/javascript; charset=utf-8"), ("app.css", "text/css; charset=utf-8") })
        {
            app.MapGet("/" + name, (HttpContext context) =>
            {
                // Revalidated on every load, so a new version is picked up at once; an unchanged file costs a 304.
                var file = files.GetFileInfo(name);
                var etag = $"\"{file.Length:x}-{file.LastModified.ToUnixTimeSeconds():x}\"";
                context.Response.Headers.CacheControl = "no-cache";
                context.Response.Headers.ETag = etag;
                return context.Request.Headers.IfNoneMatch == etag
                    ? Results.StatusCode(StatusCodes.Status304NotModified)
                    : Results.Stream(file.CreateReadStream(), contentType);
            }).AllowAnonymous();
        }

        // The dashboard holds no authority of its own: it forwards the browser's key or token, and the services decide.
        DashboardApi.Map(app.MapGroup("/api").AllowAnonymous());
        return app;
    }
}
