using Grpc.Core;
using Proto = NarrativeMonitor.Protos.Alerts.V1;
using ProtoCommon = NarrativeMonitor.Protos.Common.V1;

namespace NarrativeMonitor.Alerts.Tests.Webhooks;

/// <summary>Bad requests to WebhookService answer INVALID_ARGUMENT naming the field, and store nothing.</summary>
public sealed class WebhookGrpcValidationTests : IAsyncLifetime
{
    private readonly WebhookHost _host = WebhookHost.Create(null, "t:", new ManualTimeProvider(WebhookHost.Now));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static Proto.CreateWebhookRequest Valid() => new()
    {
        Url = "https://hooks.example.org/narrative",
        Secret = "0123456789abcdef",
        Format = Proto.WebhookFormat.Json,
    };

    public static TheoryData<string, string> BadCreateRequests() => new()
    {
        { "url-missing", "url: required" },
        { "url-relative", "url: must be an absolute http or https URL" },
        { "url-ftp", "url: must be an absolute http or https URL" },
        { "url-long", "url: at most 2048 characters" },
        { "secret-missing", "secret: required, at least 16 characters" },
        { "secret-short", "secret: required, at least 16 characters" },
        { "format-unknown", "format: unknown webhook format" },
        { "claim-id-bad", "filter.claim_ids[1]: must be 1 to 64 of A-Z a-z 0-9 . _ -" },
        { "source-id-empty", "filter.source_ids[0]: must be 1 to 64 of A-Z a-z 0-9 . _ -" },
        { "kind-unspecified", "filter.kinds[0]: must be a known alert kind" },
        { "kind-unknown", "filter.kinds[1]: must be a known alert kind" },
        { "event-type-unknown", "filter.event_types[0]: must be a known alert event type" },
        { "severity-unknown", "filter.min_severity: unknown alert severity" },
        { "description-long", "description: at most 1000 characters" },
    };

    [Theory]
    [MemberData(nameof(BadCreateRequests))]
    public async Task CreateWebhook_rejects_bad_input_naming_the_field(string problem, string message)
    {
        var request = Valid();
        switch (problem)
        {
            case "url-missing": request.Url = ""; break;
            case "url-relative": request.Url = "/hooks/narrative"; break;
            case "url-ftp": request.Url = "ftp://hooks.example.org/narrative"; break;
            case "url-long": request.Url = "https://hooks.example.org/" + new string('a', 2_048); break;
            case "secret-missing": request.Secret = ""; break;
            case "secret-short": request.Secret = "fifteen-chars.."; break;
            case "format-unknown": request.Format = (Proto.WebhookFormat)7; break;
            case "claim-id-bad": request.Filter = new Proto.WebhookFilter { ClaimIds = { "ok", "not ok" } }; break;
            case "source-id-empty": request.Filter = new Proto.WebhookFilter { SourceIds = { "" } }; break;
            case "kind-unspecified": request.Filter = new Proto.WebhookFilter { Kinds = { ProtoCommon.AlertKind.Unspecified } }; break;
            case "kind-unknown": request.Filter = new Proto.WebhookFilter { Kinds = { ProtoCommon.AlertKind.Denial, (ProtoCommon.AlertKind)9 } }; break;
            case "event-type-unknown": request.Filter = new Proto.WebhookFilter { EventTypes = { (Proto.AlertEventType)42 } }; break;
            case "severity-unknown": request.Filter = new Proto.WebhookFilter { MinSeverity = (Proto.AlertSeverity)8 }; break;
            case "description-long": request.Description = new string('d', 1_001); break;
            default: throw new ArgumentOutOfRangeException(nameof(problem), problem, null);
        }

        var error = await Assert.ThrowsAsync<RpcException>(() => _host.Grpc.CreateWebhook(request, new TestServerCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Equal(message, error.Status.Detail);
        Assert.Empty(await _host.Store.ListAsync());
    }

    [Fact]
    public async Task A_valid_request_is_accepted_with_the_url_normalized_and_the_format_defaulting_to_json()
    {
        var request = Valid();
        request.Url = "HTTP://Hooks.Example.org:80/narrative";
        request.Format = Proto.WebhookFormat.Unspecified;
        var created = await _host.Grpc.CreateWebhook(request, new TestServerCallContext());
        Assert.Equal("http://hooks.example.org/narrative", created.Url);
        Assert.Equal(Proto.WebhookFormat.Json, created.Format);
        Assert.Equal("0123456789abcdef", Assert.Single(await _host.Store.ListAsync()).Secret);
    }

    [Fact]
    public async Task DeleteWebhook_and_ListDeliveries_validate_their_arguments()
    {
        var delete = await Assert.ThrowsAsync<RpcException>(() => _host.Grpc.DeleteWebhook(new Proto.DeleteWebhookRequest(), new TestServerCallContext()));
        Assert.Equal(StatusCode.InvalidArgument, delete.StatusCode);
        Assert.Equal("id: required", delete.Status.Detail);

        var created = await _host.Grpc.CreateWebhook(Valid(), new TestServerCallContext());
        foreach (var (request, message) in new (Proto.ListDeliveriesRequest, string)[]
                 {
                     (new() { WebhookId = "" }, "webhook_id: required"),
                     (new() { WebhookId = created.Id, PageSize = -1 }, "page_size: must be between 0 and 1000 (0: 100)"),
                     (new() { WebhookId = created.Id, PageSize = 1_001 }, "page_size: must be between 0 and 1000 (0: 100)"),
                     (new() { WebhookId = created.Id, PageToken = "abc" }, "page_token: not a next_page_token of a previous ListDeliveries response"),
                 })
        {
            var error = await Assert.ThrowsAsync<RpcException>(() => _host.Grpc.ListDeliveries(request, new TestServerCallContext()));
            Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
            Assert.Equal(message, error.Status.Detail);
        }

        Assert.Empty((await _host.Grpc.ListDeliveries(new Proto.ListDeliveriesRequest { WebhookId = created.Id }, new TestServerCallContext())).Deliveries);
        var unknown = await Assert.ThrowsAsync<RpcException>(() =>
            _host.Grpc.ListDeliveries(new Proto.ListDeliveriesRequest { WebhookId = "wh-unknown" }, new TestServerCallContext()));
        Assert.Equal(StatusCode.NotFound, unknown.StatusCode);
    }
}
