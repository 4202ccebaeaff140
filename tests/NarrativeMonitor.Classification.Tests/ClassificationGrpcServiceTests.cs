using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using ClaimStatus = NarrativeMonitor.Protos.Classification.V1.ClaimStatus;
using NarrativeMonitor.Classification.Claims;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Protos.Classification.V1;
using ProtoStance = NarrativeMonitor.Protos.Common.V1.Stance;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;
using ClaimRules = NarrativeMonitor.Protos.Classification.V1.ClaimRules;

namespace NarrativeMonitor.Classification.Tests;

internal sealed class FixedTimeProvider(DateTimeOffset now) : TimeProvider
{
    public DateTimeOffset Now { get; set; } = now;

    public override DateTimeOffset GetUtcNow() => Now;
}

public sealed class ClassificationGrpcServiceTests
{
    private static readonly DateTimeOffset Now = new(2024, 12, 20, 9, 0, 0, TimeSpan.Zero);
    private readonly InMemoryClaimStore _store = new();
    private readonly FixedTimeProvider _time = new(Now);
    private readonly ClassificationGrpcService _service;

    public ClassificationGrpcServiceTests()
    {
        var classifier = new RuleBasedStanceClassifier();
        _service = new ClassificationGrpcService(_store, new ActiveClaims(_store, classifier, NullLogger<ActiveClaims>.Instance), classifier,
            _time, NullLogger<ClassificationGrpcService>.Instance);
    }

    private static Claim DprkClaim(string id = "dprk-troops-kursk") => new()
    {
        Id = id,
        Statement = Claims.DprkTroops.Statement,
        Topic = Claims.DprkTroops.Topic,
        Keywords = { Claims.DprkTroops.Keywords },
        TopicKeywords = { Claims.DprkTroops.TopicKeywords },
    };

    private static Claim GrainClaim() => new()
    {
        Id = Claims.GrainExports.Id,
        Statement = Claims.GrainExports.Statement,
        Topic = Claims.GrainExports.Topic,
        Keywords = { Claims.GrainExports.Keywords },
        TopicKeywords = { Claims.GrainExports.TopicKeywords },
    };

    private static async Task<RpcException> Fails(StatusCode code, string messageStart, Func<Task> call)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(code, error.StatusCode);
        Assert.StartsWith(messageStart, error.Status.Detail);
        return error;
    }

    [Fact]
    public async Task CreateClaim_fills_in_defaults_status_and_times()
    {
        var created = await _service.CreateClaim(new CreateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext());

        Assert.Equal("dprk-troops-kursk", created.Id);
        Assert.Equal(ClaimStatus.Active, created.Status);
        Assert.Equal(2, created.Rules.ConfirmationSources);
        Assert.Equal(3, created.Rules.OmissionArticles);
        Assert.Equal(TimeSpan.FromDays(14), created.Rules.OmissionWindow.ToTimeSpan());
        Assert.Equal(Timestamp.FromDateTimeOffset(Now), created.CreatedAt);
        Assert.Equal(["North Korean", "North Korea", "DPRK", "Pyongyang", "КНДР", "северокорейск"], created.Keywords);
        Assert.NotNull(await _store.GetAsync("dprk-troops-kursk"));
    }

    [Fact]
    public async Task CreateClaim_derives_an_id_from_the_statement()
    {
        var claim = DprkClaim("");
        claim.Rules = new ClaimRules { ConfirmationSources = 4, OmissionWindow = Duration.FromTimeSpan(TimeSpan.FromDays(3)) };

        var created = await _service.CreateClaim(new CreateClaimRequest { Claim = claim }, new TestServerCallContext());

        Assert.Equal("north-korean-troops-are-fighting-alongside-russian-forces-in", created.Id);
        Assert.Equal(4, created.Rules.ConfirmationSources);
        Assert.Equal(3, created.Rules.OmissionArticles);
        Assert.Equal(TimeSpan.FromDays(3), created.Rules.OmissionWindow.ToTimeSpan());
    }

    [Fact]
    public void Ids_derived_from_non_latin_statements_are_valid()
    {
        var id = ClaimMapping.DeriveId("Военные КНДР воюют в Курской области");
        Assert.Matches("^claim-[0-9a-f]{12}$", id);
    }

    [Fact]
    public async Task CreateClaim_with_a_taken_id_is_AlreadyExists()
    {
        await _service.CreateClaim(new CreateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext());
        await Fails(StatusCode.AlreadyExists, "claim.id: ",
            () => _service.CreateClaim(new CreateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext()));
    }

    public static TheoryData<string, string> InvalidClaims => new()
    {
        { "no claim", "claim: required" },
        { "blank statement", "claim.statement: required" },
        { "blank topic", "claim.topic: required" },
        { "bad id", "claim.id: " },
        { "long id", "claim.id: " },
        { "empty keyword", "claim.keywords[1]: " },
        { "empty topic keyword", "claim.topic_keywords[0]: " },
        { "N too large", "claim.rules.confirmation_sources: " },
        { "N negative", "claim.rules.confirmation_sources: " },
        { "M too large", "claim.rules.omission_articles: " },
        { "W too short", "claim.rules.omission_window: " },
        { "W too long", "claim.rules.omission_window: " },
    };

    [Theory]
    [MemberData(nameof(InvalidClaims))]
    public async Task Invalid_claims_are_InvalidArgument_naming_the_field(string mutation, string message)
    {
        var claim = DprkClaim();
        claim.Rules = new ClaimRules();
        switch (mutation)
        {
            case "no claim": claim = null; break;
            case "blank statement": claim.Statement = "  "; break;
            case "blank topic": claim.Topic = ""; break;
            case "bad id": claim.Id = "bad id!"; break;
            case "long id": claim.Id = new string('a', 65); break;
            case "empty keyword": claim.Keywords[1] = " "; break;
            case "empty topic keyword": claim.TopicKeywords[0] = ""; break;
            case "N too large": claim.Rules.ConfirmationSources = 101; break;
            case "N negative": claim.Rules.ConfirmationSources = -1; break;
            case "M too large": claim.Rules.OmissionArticles = 1001; break;
            case "W too short": claim.Rules.OmissionWindow = Duration.FromTimeSpan(TimeSpan.FromMinutes(30)); break;
            case "W too long": claim.Rules.OmissionWindow = Duration.FromTimeSpan(TimeSpan.FromDays(366)); break;
            default: throw new ArgumentException(mutation);
        }

        await Fails(StatusCode.InvalidArgument, message,
            () => _service.CreateClaim(new CreateClaimRequest { Claim = claim }, new TestServerCallContext()));
        await Fails(StatusCode.InvalidArgument, message,
            () => _service.UpdateClaim(new UpdateClaimRequest { Claim = claim }, new TestServerCallContext()));
        Assert.Equal(0, await _store.GetVersionAsync());
    }

    [Fact]
    public async Task UpdateClaim_replaces_content_and_answers_NotFound_for_unknown_ids()
    {
        await Fails(StatusCode.NotFound, "claim.id: ",
            () => _service.UpdateClaim(new UpdateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext()));
        await Fails(StatusCode.InvalidArgument, "claim.id: required",
            () => _service.UpdateClaim(new UpdateClaimRequest { Claim = DprkClaim("") }, new TestServerCallContext()));

        await _service.CreateClaim(new CreateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext());
        _time.Now = Now.AddHours(1);
        var changed = DprkClaim();
        changed.Statement = "North Korean troops are fighting in Kursk Oblast";
        changed.Rules = new ClaimRules { OmissionArticles = 5 };

        var updated = await _service.UpdateClaim(new UpdateClaimRequest { Claim = changed }, new TestServerCallContext());

        Assert.Equal("North Korean troops are fighting in Kursk Oblast", updated.Statement);
        Assert.Equal(5, updated.Rules.OmissionArticles);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now), updated.CreatedAt);
        Assert.Equal(Timestamp.FromDateTimeOffset(Now.AddHours(1)), updated.UpdatedAt);
    }

    [Fact]
    public async Task RetireClaim_is_idempotent_and_List_and_Get_show_it()
    {
        await _service.CreateClaim(new CreateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext());
        await _service.CreateClaim(new CreateClaimRequest { Claim = GrainClaim() }, new TestServerCallContext());

        var first = await _service.RetireClaim(new RetireClaimRequest { Id = "dprk-troops-kursk" }, new TestServerCallContext());
        var second = await _service.RetireClaim(new RetireClaimRequest { Id = "dprk-troops-kursk" }, new TestServerCallContext());

        Assert.Equal(ClaimStatus.Retired, first.Status);
        Assert.Equal(first, second);
        var active = await _service.ListClaims(new ListClaimsRequest(), new TestServerCallContext());
        Assert.Equal([Claims.GrainExports.Id], active.Claims.Select(c => c.Id));
        var all = await _service.ListClaims(new ListClaimsRequest { IncludeRetired = true }, new TestServerCallContext());
        Assert.Equal(["dprk-troops-kursk", Claims.GrainExports.Id], all.Claims.Select(c => c.Id));
        var got = await _service.GetClaim(new GetClaimRequest { Id = "dprk-troops-kursk" }, new TestServerCallContext());
        Assert.Equal(ClaimStatus.Retired, got.Status);

        await Fails(StatusCode.NotFound, "id: ", () => _service.RetireClaim(new RetireClaimRequest { Id = "ghost" }, new TestServerCallContext()));
        await Fails(StatusCode.NotFound, "id: ", () => _service.GetClaim(new GetClaimRequest { Id = "ghost" }, new TestServerCallContext()));
        await Fails(StatusCode.InvalidArgument, "id: required", () => _service.GetClaim(new GetClaimRequest(), new TestServerCallContext()));
    }

    [Fact]
    public async Task ClassifyText_answers_for_every_active_claim_including_unrelated_ones()
    {
        await _service.CreateClaim(new CreateClaimRequest { Claim = GrainClaim() }, new TestServerCallContext());
        await _service.CreateClaim(new CreateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext());

        var response = await _service.ClassifyText(new ClassifyTextRequest
        {
            Title = "Kremlin on Kursk",
            Body = "Peskov was asked about North Korean troops in the Kursk region. \"We have nothing to say, ask the Defence Ministry,\" he said.",
        }, new TestServerCallContext());

        Assert.Equal(["dprk-troops-kursk", Claims.GrainExports.Id], response.Results.Select(r => r.ClaimId));
        Assert.Equal(ProtoStance.Deflects, response.Results[0].Stance);
        Assert.Contains("nothing to say", response.Results[0].Evidence);
        Assert.Equal(ProtoStance.Unrelated, response.Results[1].Stance);
        Assert.Equal("", response.Results[1].Evidence);
    }

    [Fact]
    public async Task ClassifyText_restricted_to_named_claims_includes_retired_ones_and_names_unknown_ones()
    {
        await _service.CreateClaim(new CreateClaimRequest { Claim = GrainClaim() }, new TestServerCallContext());
        await _service.CreateClaim(new CreateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext());
        await _service.RetireClaim(new RetireClaimRequest { Id = "dprk-troops-kursk" }, new TestServerCallContext());

        var response = await _service.ClassifyText(new ClassifyTextRequest
        {
            Body = "Russian troops repelled attacks near Sudzha in the Kursk region.",
            ClaimIds = { "dprk-troops-kursk" },
        }, new TestServerCallContext());
        Assert.Equal(ProtoStance.Omits, Assert.Single(response.Results).Stance);

        var error = await Fails(StatusCode.NotFound, "claim_ids: ", () => _service.ClassifyText(new ClassifyTextRequest
        {
            Body = "text",
            ClaimIds = { "dprk-troops-kursk", "ghost-1", "ghost-2" },
        }, new TestServerCallContext()));
        Assert.Contains("ghost-1, ghost-2", error.Status.Detail);
        Assert.DoesNotContain("dprk-troops-kursk", error.Status.Detail);
    }

    [Fact]
    public async Task ClassifyText_validates_the_body()
    {
        await Fails(StatusCode.InvalidArgument, "body: required",
            () => _service.ClassifyText(new ClassifyTextRequest { Title = "Only a title" }, new TestServerCallContext()));
        await Fails(StatusCode.InvalidArgument, "body: ",
            () => _service.ClassifyText(new ClassifyTextRequest { Body = new string('a', 200_001) }, new TestServerCallContext()));
        await Fails(StatusCode.InvalidArgument, "claim_ids[0]: ",
            () => _service.ClassifyText(new ClassifyTextRequest { Body = "text", ClaimIds = { "bad id" } }, new TestServerCallContext()));

        await Fails(StatusCode.InvalidArgument, "source_kind: ",
            () => _service.ClassifyText(new ClassifyTextRequest { Body = "text", SourceKind = (ProtoSourceKind)99 }, new TestServerCallContext()));

        var atLimit = await _service.ClassifyText(new ClassifyTextRequest { Body = new string('a', 200_000) }, new TestServerCallContext());
        Assert.Empty(atLimit.Results);
    }

    [Fact]
    public async Task ClassifyText_passes_the_outlet_kind_to_the_classifier()
    {
        var classifier = new RecordingClassifier();
        var service = new ClassificationGrpcService(_store, new ActiveClaims(_store, classifier, NullLogger<ActiveClaims>.Instance), classifier,
            _time, NullLogger<ClassificationGrpcService>.Instance);
        await service.CreateClaim(new CreateClaimRequest { Claim = DprkClaim() }, new TestServerCallContext());

        await service.ClassifyText(new ClassifyTextRequest { Body = "text", SourceKind = ProtoSourceKind.StateMedia }, new TestServerCallContext());
        await service.ClassifyText(new ClassifyTextRequest { Body = "text" }, new TestServerCallContext());

        Assert.Equal([Contracts.SourceKind.StateMedia, Contracts.SourceKind.Unspecified], classifier.Sources);
    }

    private sealed class RecordingClassifier : IStanceClassifier
    {
        private readonly RuleBasedStanceClassifier _rules = new();

        public List<Contracts.SourceKind> Sources { get; } = [];

        public IPreparedClaims Prepare(IReadOnlyList<ClaimDefinition> claims) => _rules.Prepare(claims);

        public IReadOnlyList<StanceResult> Classify(ArticleText article, IPreparedClaims claims)
        {
            Sources.Add(article.Source);
            return _rules.Classify(article, claims);
        }
    }
}
