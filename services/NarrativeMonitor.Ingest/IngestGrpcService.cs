using Grpc.Core;
using NarrativeMonitor.Protos.Ingest.V1;
using ProtoOutcome = NarrativeMonitor.Protos.Ingest.V1.SubmissionOutcome;
using ProtoSourceKind = NarrativeMonitor.Protos.Common.V1.SourceKind;

namespace NarrativeMonitor.Ingest;

public sealed partial class IngestGrpcService(ArticleIngestPipeline pipeline, SourceRegistry sources, IngestAdmission admission, ILogger<IngestGrpcService> logger)
    : IngestService.IngestServiceBase
{
    public override async Task<SubmitArticleResponse> SubmitArticle(SubmitArticleRequest request, ServerCallContext context)
    {
        var result = await pipeline.SubmitAsync(request.Article, context.CancellationToken);
        if (result.Error is { } error)
        {
            throw error.ToRpcException();
        }

        return new SubmitArticleResponse
        {
            ArticleId = result.ArticleId ?? "",
            Outcome = ToProto(result.Outcome),
            DuplicateOf = result.DuplicateOf ?? "",
        };
    }

    public override async Task<SubmitArticlesResponse> SubmitArticles(IAsyncStreamReader<SubmitArticleRequest> requestStream, ServerCallContext context)
    {
        // Refused before reading anything, so the whole stream can be sent again; once a stream is under way, articles
        // refused by backpressure are answered one by one (status RESOURCE_EXHAUSTED) and the rest still go through.
        if (admission.Overloaded() is { } overloaded)
        {
            throw overloaded.ToRpcException();
        }

        var results = await pipeline.SubmitManyAsync(ReadArticles(requestStream, context.CancellationToken), context.CancellationToken);
        var response = new SubmitArticlesResponse();
        for (var index = 0; index < results.Count; index++)
        {
            var result = results[index];
            response.Results.Add(new SubmitArticleResult
            {
                Index = index,
                ArticleId = result.ArticleId ?? "",
                Outcome = ToProto(result.Outcome),
                DuplicateOf = result.DuplicateOf ?? "",
                StatusCode = result.Error is null ? 0 : (int)result.Error.Code,
                Field = result.Error?.Field ?? "",
                Error = result.Error?.Message ?? "",
            });
            switch (result.Outcome)
            {
                case IngestOutcome.Accepted:
                    response.Accepted++;
                    break;
                case IngestOutcome.Duplicate:
                    response.Duplicates++;
                    break;
                default:
                    response.Rejected++;
                    break;
            }
        }

        return response;
    }

    public override async Task<Source> RegisterSource(RegisterSourceRequest request, ServerCallContext context)
    {
        var validated = SourceValidator.Validate(request.Source);
        if (validated.Error is { } error)
        {
            throw error.ToRpcException();
        }

        var source = validated.Value!;
        await sources.RegisterAsync(source, context.CancellationToken);
        LogRegistered(source.Id, source.Kind);
        return source.ToProto();
    }

    public override async Task<ListSourcesResponse> ListSources(ListSourcesRequest request, ServerCallContext context)
    {
        if (!Enum.IsDefined(request.Kind))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"kind: unknown kind {(int)request.Kind}"));
        }

        var kind = request.Kind == ProtoSourceKind.Unspecified ? (Contracts.SourceKind?)null : (Contracts.SourceKind)request.Kind;
        var response = new ListSourcesResponse();
        foreach (var source in await sources.ListAsync(kind, context.CancellationToken))
        {
            response.Sources.Add(source.ToProto());
        }

        return response;
    }

    private static async IAsyncEnumerable<Article?> ReadArticles(
        IAsyncStreamReader<SubmitArticleRequest> requestStream,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        while (await requestStream.MoveNext(cancellationToken))
        {
            yield return requestStream.Current.Article;
        }
    }

    private static ProtoOutcome ToProto(IngestOutcome outcome) => outcome switch
    {
        IngestOutcome.Accepted => ProtoOutcome.Accepted,
        IngestOutcome.Duplicate => ProtoOutcome.Duplicate,
        IngestOutcome.Rejected => ProtoOutcome.Rejected,
        _ => ProtoOutcome.Unspecified,
    };

    [LoggerMessage(LogLevel.Information, "Registered source {SourceId} ({SourceKind})")]
    private partial void LogRegistered(string sourceId, Contracts.SourceKind sourceKind);
}
