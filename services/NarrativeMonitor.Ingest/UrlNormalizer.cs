namespace NarrativeMonitor.Ingest;

public static class UrlNormalizer
{
    /// <summary>
    /// The canonical form of an article URL, so the same article reached through different links de-duplicates:
    /// lower-case scheme and host, no default port, no fragment, no utm_* tracking parameters (other parameters keep
    /// their order). Null when <paramref name="url"/> is not an absolute http or https URL with a host.
    /// </summary>
    public static string? Normalize(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || !Uri.TryCreate(url.Trim(), UriKind.Absolute, out var uri))
        {
            return null;
        }

        if (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps || uri.Host.Length == 0)
        {
            return null;
        }

        // UriComponents.Port (unlike StrongPort) leaves the scheme's default port out; Uri already lower-cases
        // the scheme and host.
        var canonical = uri.GetComponents(
            UriComponents.Scheme | UriComponents.UserInfo | UriComponents.Host | UriComponents.Port | UriComponents.Path,
            UriFormat.UriEscaped);
        var query = uri.GetComponents(UriComponents.Query, UriFormat.UriEscaped);
        if (query.Length == 0)
        {
            return canonical;
        }

        var kept = query.Split('&').Where(parameter => parameter.Length > 0 && !IsTrackingParameter(parameter)).ToList();
        return kept.Count == 0 ? canonical : canonical + "?" + string.Join('&', kept);
    }

    private static bool IsTrackingParameter(string parameter)
    {
        var name = Uri.UnescapeDataString(parameter.Split('=', 2)[0]);
        return name.StartsWith("utm_", StringComparison.OrdinalIgnoreCase);
    }
}
