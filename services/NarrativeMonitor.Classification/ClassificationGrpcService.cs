using Grpc.Core;
using NarrativeMonitor.Classification.Claims;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Protos.Classification.V1;
using ContractSourceKind = NarrativeMonitor.Contracts.SourceKind;
using ContractStance = NarrativeMonitor.Contracts.Stance;
using ProtoStance = NarrativeMonitor.Protos.Common.V1.Stance;

namespace NarrativeMonitor.Classification;

/// <summary>The gRPC ClassificationService: claim administration and synchronous classification of a text.</summary>
public sealed class ClassificationGrpcService(
    IClaimStore store,
    ActiveClaims activeClaims,
    IStanceClassifier classifier,
    TimeProvider time,
    ILogger<ClassificationGrpcService> logger) : ClassificationService.ClassificationServiceBase
{
    public const int MaxBodyLength = 200_000;
    public const int MaxTitleLength = 2_000;
    public const int MaxClaimIds = 1_000;

    /// <summary>Confidence of UNRELATED results: the classifier found neither the claim nor its topic.</summary>
    public const double UnrelatedConfidence = 0.9;

    public override async Task<Claim> CreateClaim(CreateClaimRequest request, ServerCallContext context)
    {
        var claim = ClaimMapping.ToRecord(request.Claim, idRequired: false, time.GetUtcNow());
        if (!await store.CreateAsync(claim, context.CancellationToken))
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"claim.id: claim '{claim.Id}' already exists"));
        }

        logger.LogInformation("Created claim {ClaimId}", claim.Id);
        return ClaimMapping.ToProto(claim);
    }

    public override async Task<Claim> UpdateClaim(UpdateClaimRequest request, ServerCallContext context)
    {
        var content = ClaimMapping.ToRecord(request.Claim, idRequired: true, time.GetUtcNow());
        var updated = await store.UpdateAsync(content, context.CancellationToken) ?? throw NotFound("claim.id", content.Id);
        logger.LogInformation("Updated claim {ClaimId}", updated.Id);
        return ClaimMapping.ToProto(updated);
    }

    public override async Task<Claim> RetireClaim(RetireClaimRequest request, ServerCallContext context)
    {
        ClaimMapping.ValidateId("id", request.Id);
        var retired = await store.RetireAsync(request.Id, time.GetUtcNow(), context.CancellationToken) ?? throw NotFound("id", request.Id);
        logger.LogInformation("Retired claim {ClaimId}", retired.Id);
        return ClaimMapping.ToProto(retired);
    }

    public override async Task<Claim> GetClaim(GetClaimRequest request, ServerCallContext context)
    {
        ClaimMapping.ValidateId("id", request.Id);
        var claim = await store.GetAsync(request.Id, context.CancellationToken) ?? throw NotFound("id", request.Id);
        return ClaimMapping.ToProto(claim);
    }

    public override async Task<ListClaimsResponse> ListClaims(ListClaimsRequest request, ServerCallContext context)
    {
        var claims = await store.ListAsync(request.IncludeRetired, context.CancellationToken);
        return new ListClaimsResponse { Claims = { claims.Select(ClaimMapping.ToProto) } };
    }

    public override async Task<ClassifyTextResponse> ClassifyText(ClassifyTextRequest request, ServerCallContext context)
    {
        if (string.IsNullOrWhiteSpace(request.Body))
        {
            throw ClaimMapping.Invalid("body", "required");
        }

        if (request.Body.Length > MaxBodyLength)
        {
            throw ClaimMapping.Invalid("body", $"at most {MaxBodyLength} characters");
        }

        if (request.Title.Length > MaxTitleLength)
        {
            throw ClaimMapping.Invalid("title", $"at most {MaxTitleLength} characters");
        }

        if (request.ClaimIds.Count > MaxClaimIds)
        {
            throw ClaimMapping.Invalid("claim_ids", $"at most {MaxClaimIds} ids");
        }

        IPreparedClaims prepared;
        if (request.ClaimIds.Count == 0)
        {
            prepared = (await activeClaims.GetAsync(context.CancellationToken)).Prepared;
        }
        else
        {
            prepared = classifier.Prepare(await RequestedClaimsAsync(request.ClaimIds, context.CancellationToken));
        }

        if (!Enum.IsDefined(request.SourceKind))
        {
            throw ClaimMapping.Invalid("source_kind", $"unknown value {(int)request.SourceKind}");
        }

        var text = new ArticleText(request.Title, request.Body, string.IsNullOrWhiteSpace(request.Language) ? null : request.Language,
            (ContractSourceKind)(int)request.SourceKind);
        var related = ClassificationTelemetry.Classify(classifier, text, prepared, "text")
            .ToDictionary(r => r.ClaimId, StringComparer.Ordinal);

        var response = new ClassifyTextResponse();
        foreach (var claim in prepared.Claims.OrderBy(c => c.Id, StringComparer.Ordinal))
        {
            response.Results.Add(related.TryGetValue(claim.Id, out var result) && result.Stance != ContractStance.Unrelated
                ? new ClaimStance
                {
                    ClaimId = claim.Id,
                    Stance = (ProtoStance)(int)result.Stance,
                    Confidence = result.Confidence,
                    Evidence = result.Evidence ?? "",
                }
                : new ClaimStance { ClaimId = claim.Id, Stance = ProtoStance.Unrelated, Confidence = UnrelatedConfidence });
        }

        return response;
    }

    private async Task<IReadOnlyList<ClaimDefinition>> RequestedClaimsAsync(IReadOnlyList<string> ids, CancellationToken cancellationToken)
    {
        var claims = new List<ClaimDefinition>();
        var missing = new List<string>();
        for (var i = 0; i < ids.Count; i++)
        {
            ClaimMapping.ValidateId($"claim_ids[{i}]", ids[i]);
        }

        foreach (var id in ids.Distinct(StringComparer.Ordinal))
        {
            if (await store.GetAsync(id, cancellationToken) is { } claim)
            {
                claims.Add(claim.ToDefinition());
            }
            else
            {
                missing.Add(id);
            }
        }

        if (missing.Count > 0)
        {
            throw new RpcException(new Status(StatusCode.NotFound, $"claim_ids: unknown claims: {string.Join(", ", missing)}"));
        }

        return claims;
    }

    private static RpcException NotFound(string field, string id) =>
        new(new Status(StatusCode.NotFound, $"{field}: no claim '{id}'"));
}
