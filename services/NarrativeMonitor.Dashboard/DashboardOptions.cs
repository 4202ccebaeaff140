using System.ComponentModel.DataAnnotations;

namespace NarrativeMonitor.Dashboard;

public sealed class DashboardOptions
{
    public const string SectionName = "Dashboard";

    /// <summary>gRPC address of the alert service: http(s)://host:port, or dns:///host:port to balance over every address.</summary>
    [Required]
    public string AlertsAddress { get; set; } = "";

    /// <summary>gRPC address of the classification service (claims).</summary>
    [Required]
    public string ClassificationAddress { get; set; } = "";

    /// <summary>
    /// Optional service key sent as x-api-key when the browser sends no credential of its own. Empty by default: the
    /// dashboard then holds no credentials, and each analyst's key or token is forwarded.
    /// </summary>
    public string ApiKey { get; set; } = "";

    /// <summary>How often an idle event stream sends a comment, so proxies keep it open.</summary>
    [Range(1, 300)]
    public int KeepAliveSeconds { get; set; } = 15;

    /// <summary>Deadline of each unary call to the services.</summary>
    [Range(1, 300)]
    public int CallTimeoutSeconds { get; set; } = 30;

    internal static bool IsGrpcAddress(string address) =>
        Uri.TryCreate(address, UriKind.Absolute, out var uri)
        && (uri.Scheme is "http" or "https" ? uri.Host.Length > 0 : uri.Scheme == "dns" && uri.AbsolutePath.Trim('/').Length > 0);
}
