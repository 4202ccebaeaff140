using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace NarrativeMonitor.Alerts.Webhooks;

/// <summary>What one POST came to.</summary>
public sealed record AttemptResult(bool Delivered, int HttpStatus, string Error, TimeSpan? RetryAfter);

/// <summary>POSTs one delivery's body, signed, with a wall-clock timeout per request; never follows redirects.</summary>
public sealed class WebhookSender(IHttpClientFactory httpClientFactory, IOptions<WebhookOptions> options)
{
    public const string HttpClientName = "NarrativeMonitor.Webhooks";
    public const string SignatureHeader = "X-NarrativeMonitor-Signature";
    public const string EventIdHeader = "X-NarrativeMonitor-Event-Id";
    public const string TimestampHeader = "X-NarrativeMonitor-Timestamp";
    public const string DeliveryIdHeader = "X-NarrativeMonitor-Delivery-Id";

    /// <summary>"sha256=" and the lower-case hex HMAC-SHA256 of the UTF-8 body, keyed with the UTF-8 secret.</summary>
    public static string Sign(string secret, string body) =>
        "sha256=" + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes(body)));

    public async Task<AttemptResult> SendAsync(WebhookRecord webhook, DeliveryRecord delivery, string body, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var timeoutAfter = options.Value.RequestTimeout;
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(timeoutAfter);
        using var request = new HttpRequestMessage(HttpMethod.Post, webhook.Url)
        {
            Content = new StringContent(body, new UTF8Encoding(false), "application/json"),
        };
        request.Headers.Add(SignatureHeader, Sign(webhook.Secret, body));
        request.Headers.Add(EventIdHeader, delivery.EventCursor);
        request.Headers.Add(DeliveryIdHeader, delivery.Id);
        request.Headers.Add(TimestampHeader, now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture));
        try
        {
            using var response = await httpClientFactory.CreateClient(HttpClientName)
                .SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var status = (int)response.StatusCode;
            return response.IsSuccessStatusCode
                ? new AttemptResult(true, status, "", null)
                : new AttemptResult(false, status, $"HTTP {status} {response.ReasonPhrase}".TrimEnd(), RetryAfter(response.Headers.RetryAfter, now));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new AttemptResult(false, 0, $"no response within {timeoutAfter.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture)} s", null);
        }
        catch (HttpRequestException ex)
        {
            return new AttemptResult(false, 0, $"request failed: {ex.Message}", null);
        }
    }

    private static TimeSpan? RetryAfter(RetryConditionHeaderValue? header, DateTimeOffset now) =>
        header?.Delta ?? (header?.Date is { } date ? (date > now ? date - now : TimeSpan.Zero) : null);
}
