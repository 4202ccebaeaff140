using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace NarrativeMonitor.Ingest.Feeds;

/// <summary>Why one poll (or one page fetch) failed, in words fit for the feed's health view.</summary>
public sealed class FeedPollException(string message, TimeSpan? retryAfter = null, Exception? inner = null) : Exception(message, inner)
{
    /// <summary>The server's Retry-After, when it sent one with a 429 or 503.</summary>
    public TimeSpan? RetryAfter { get; } = retryAfter;
}

/// <summary>A response read in full: 304 Not Modified (no body), or 2xx with its body and validators.</summary>
public sealed record FetchResult(bool NotModified, byte[] Body, string? ContentType, string? ETag, string? LastModified, Uri FinalUrl)
{
    public static FetchResult NotModifiedResult(Uri url) => new(true, [], null, null, null, url);
}

/// <summary>
/// Every request the feed poller makes goes through here, so the politeness rules hold for feeds and linked pages
/// alike: the configured User-Agent, at most <see cref="FeedOptions.MaxConcurrentPerHost"/> requests per host from this
/// replica, a wall-clock timeout per request, and a body read as a stream that stops at
/// <see cref="FeedOptions.MaxResponseBytes"/>.
/// </summary>
public sealed class FeedHttpFetcher(IHttpClientFactory httpClientFactory, TimeProvider timeProvider, IOptions<FeedOptions> options)
{
    public const string HttpClientName = "NarrativeMonitor.Feeds";

    private readonly FeedOptions _options = options.Value;
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public async Task<FetchResult> FetchAsync(Uri url, string accept, string? etag = null, string? lastModified = null, CancellationToken cancellationToken = default)
    {
        var host = _hosts.GetOrAdd(url.IdnHost, _ => new SemaphoreSlim(_options.MaxConcurrentPerHost));
        await host.WaitAsync(cancellationToken);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(_options.RequestTimeout);
            try
            {
                return await SendAsync(url, accept, etag, lastModified, timeout.Token);
            }
            catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
            {
                throw new FeedPollException($"no complete response within {_options.RequestTimeout.TotalSeconds:0.###} s", inner: ex);
            }
            catch (HttpRequestException ex)
            {
                throw new FeedPollException($"request failed: {ex.Message}", inner: ex);
            }
        }
        finally
        {
            host.Release();
        }
    }

    private async Task<FetchResult> SendAsync(Uri url, string accept, string? etag, string? lastModified, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.TryAddWithoutValidation("Accept", accept);
        if (!string.IsNullOrEmpty(etag))
        {
            request.Headers.TryAddWithoutValidation("If-None-Match", etag);
        }

        if (!string.IsNullOrEmpty(lastModified))
        {
            request.Headers.TryAddWithoutValidation("If-Modified-Since", lastModified);
        }

        var client = httpClientFactory.CreateClient(HttpClientName);
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        var finalUrl = response.RequestMessage?.RequestUri ?? url;
        if (response.StatusCode == HttpStatusCode.NotModified)
        {
            return FetchResult.NotModifiedResult(finalUrl);
        }

        if (!response.IsSuccessStatusCode)
        {
            throw new FeedPollException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}".TrimEnd(), RetryAfter(response.Headers.RetryAfter));
        }

        if (response.Content.Headers.ContentLength > _options.MaxResponseBytes)
        {
            throw TooLarge();
        }

        var body = await ReadCappedAsync(response.Content, cancellationToken);
        return new FetchResult(
            false,
            body,
            response.Content.Headers.ContentType?.ToString(),
            response.Headers.ETag?.ToString(),
            response.Content.Headers.TryGetValues("Last-Modified", out var modified) ? modified.FirstOrDefault() : null,
            finalUrl);
    }

    private async Task<byte[]> ReadCappedAsync(HttpContent content, CancellationToken cancellationToken)
    {
        await using var stream = await content.ReadAsStreamAsync(cancellationToken);
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await stream.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > _options.MaxResponseBytes)
            {
                throw TooLarge();
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
    }

    private FeedPollException TooLarge() => new($"response larger than {_options.MaxResponseBytes} bytes");

    private TimeSpan? RetryAfter(RetryConditionHeaderValue? header) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - timeProvider.GetUtcNow(),
        _ => null,
    };
}
