using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using NarrativeMonitor.Protos.Alerts.V1;
using NarrativeMonitor.Protos.Classification.V1;
using NarrativeMonitor.Protos.Common.V1;
using NarrativeMonitor.Protos.Ingest.V1;
using ProtoClaim = NarrativeMonitor.Protos.Classification.V1.Claim;
using ProtoSource = NarrativeMonitor.Protos.Ingest.V1.Source;

namespace NarrativeMonitor.Cli;

public sealed record ReplayResult(int Submitted, int Accepted, int Duplicates, IReadOnlyList<string> Errors, IReadOnlyList<Alert> Alerts);

/// <summary>
/// Feeds a corpus through a running pipeline over gRPC, one article at a time in published order, waiting for the alert
/// service to evaluate each before the next, then reads back every alert.
/// </summary>
public sealed class CorpusReplayer(
    IngestService.IngestServiceClient ingest,
    ClassificationService.ClassificationServiceClient classification,
    AlertService.AlertServiceClient alerts,
    ReplayProgress progress)
{
    public TimeSpan EvaluationTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public async Task<ReplayResult> ReplayAsync(Corpus corpus, IProgress<int>? articlesDone = null, CancellationToken cancellationToken = default)
    {
        // A source or claim the services refuse stops the replay before any article goes in, naming its file and line.
        foreach (var source in corpus.Sources)
        {
            try
            {
                await ingest.RegisterSourceAsync(new RegisterSourceRequest { Source = ToProto(source) }, cancellationToken: cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                throw new CorpusException($"{source.Location}: source '{source.Id}' refused: {ex.Status.Detail}");
            }
        }

        foreach (var claim in corpus.Claims)
        {
            try
            {
                await UpsertClaimAsync(ToProto(claim), cancellationToken);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                throw new CorpusException($"{claim.Location}: claim '{claim.Id}' refused: {ex.Status.Detail}");
            }
        }

        int accepted = 0, duplicates = 0, done = 0;
        var errors = new List<string>();
        foreach (var article in corpus.ArticlesInPublishedOrder())
        {
            try
            {
                var response = await ingest.SubmitArticleAsync(new SubmitArticleRequest { Article = ToProto(article) }, cancellationToken: cancellationToken);
                if (response.Outcome == SubmissionOutcome.Accepted)
                {
                    accepted++;
                    await progress.WaitForEvaluationAsync(response.ArticleId, EvaluationTimeout, cancellationToken);
                }
                else
                {
                    duplicates++;
                }
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.InvalidArgument)
            {
                errors.Add($"{Corpus.ArticlesFile}:{article.Line}: {ex.Status.Detail}");
            }

            articlesDone?.Report(++done);
        }

        return new ReplayResult(corpus.Articles.Count, accepted, duplicates, errors, await ListAllAlertsAsync(cancellationToken));
    }

    private async Task UpsertClaimAsync(ProtoClaim claim, CancellationToken cancellationToken)
    {
        try
        {
            await classification.CreateClaimAsync(new CreateClaimRequest { Claim = claim }, cancellationToken: cancellationToken);
        }
        catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
        {
            await classification.UpdateClaimAsync(new UpdateClaimRequest { Claim = claim }, cancellationToken: cancellationToken);
        }
    }

    private async Task<IReadOnlyList<Alert>> ListAllAlertsAsync(CancellationToken cancellationToken)
    {
        var all = new List<Alert>();
        var token = "";
        do
        {
            var page = await alerts.ListAlertsAsync(new ListAlertsRequest { PageSize = 1000, PageToken = token }, cancellationToken: cancellationToken);
            all.AddRange(page.Alerts);
            token = page.NextPageToken;
        }
        while (!string.IsNullOrEmpty(token));

        return all
            .OrderBy(a => a.RaisedAt.ToDateTimeOffset())
            .ThenBy(a => a.ClaimId, StringComparer.Ordinal)
            .ThenBy(a => a.SourceId, StringComparer.Ordinal)
            .ThenBy(a => a.Kind)
            .ToList();
    }

    private static ProtoSource ToProto(CorpusSource source) => new()
    {
        Id = source.Id,
        Name = source.Name,
        Kind = (SourceKind)(int)source.SourceKind,
        Country = source.Country,
        Language = source.Language,
    };

    private static ProtoClaim ToProto(CorpusClaim claim)
    {
        var proto = new ProtoClaim { Id = claim.Id, Statement = claim.Statement, Topic = claim.Topic };
        proto.Keywords.AddRange(claim.Keywords);
        proto.TopicKeywords.AddRange(claim.TopicKeywords);
        if (claim.Rules is { } rules)
        {
            proto.Rules = new ClaimRules
            {
                ConfirmationSources = rules.ConfirmationSources,
                OmissionArticles = rules.OmissionArticles,
                OmissionWindow = rules.OmissionWindow is { } window ? Duration.FromTimeSpan(window) : null,
            };
        }

        return proto;
    }

    private static Article ToProto(CorpusArticle article) => new()
    {
        Id = article.Id,
        SourceId = article.SourceId,
        Url = article.Url,
        PublishedAt = Timestamp.FromDateTimeOffset(article.PublishedAt),
        Title = article.Title,
        Body = article.Body,
        Language = article.Language ?? "",
    };
}
