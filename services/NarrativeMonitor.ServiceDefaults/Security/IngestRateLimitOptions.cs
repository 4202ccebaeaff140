namespace NarrativeMonitor.ServiceDefaults.Security;

/// <summary>
/// Section <c>RateLimiting:Ingest</c>: a token bucket per client (API key name, token subject, else remote IP) over the
/// ingest calls in <see cref="GrpcAccessRules.RateLimited"/>. A <c>SubmitArticles</c> stream takes one token per call.
/// </summary>
public sealed class IngestRateLimitOptions
{
    public const string SectionName = "RateLimiting:Ingest";

    public bool Enabled { get; set; } = true;

    /// <summary>Burst: calls a client may make at once after being idle.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int TokenLimit { get; set; } = 500;

    /// <summary>Tokens added every <see cref="ReplenishmentPeriod"/>: the sustained rate.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, int.MaxValue)]
    public int TokensPerPeriod { get; set; } = 250;

    public TimeSpan ReplenishmentPeriod { get; set; } = TimeSpan.FromSeconds(1);
}

/// <summary>Section <c>Tls</c>: client certificates (mTLS) on the HTTPS endpoints; the server certificate is Kestrel's own endpoint configuration.</summary>
public sealed class TlsOptions
{
    public const string SectionName = "Tls";

    /// <summary>Require a client certificate that chains to <see cref="ClientCaFile"/> on every HTTPS endpoint.</summary>
    public bool RequireClientCertificate { get; set; }

    /// <summary>PEM file of the CA (or CAs) that issues the services' client certificates.</summary>
    public string? ClientCaFile { get; set; }
}
