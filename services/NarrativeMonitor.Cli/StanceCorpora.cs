using System.Security.Cryptography;
using System.Text.Json;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.StanceModel.Training;

namespace NarrativeMonitor.Cli;

/// <summary>Corpus folders with hand labels (labels.jsonl) read as <see cref="StanceCorpus"/> for training and evaluation.</summary>
public static class StanceCorpora
{
    public const string LabelsFile = "labels.jsonl";

    /// <summary>One labelled corpus; a problem throws <see cref="CorpusException"/> naming the file and line.</summary>
    public static StanceCorpus Load(string directory)
    {
        var corpus = Corpus.Load(directory);
        var labels = ReadLabels(corpus, Path.Combine(directory, LabelsFile));
        var kinds = corpus.Sources.ToDictionary(s => s.Id, s => s.SourceKind, StringComparer.Ordinal);
        return new StanceCorpus(
            Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))),
            corpus.Claims.Select(c => new ClaimDefinition(c.Id, c.Statement, c.Topic, c.Keywords, c.TopicKeywords)).ToList(),
            corpus.Articles.Select(a => (a.Id, new ArticleText(a.Title, a.Body, a.Language, kinds.GetValueOrDefault(a.SourceId)))).ToList(),
            labels,
            Sha256(directory));
    }

    /// <summary>
    /// A corpus's hand labels (labels.jsonl): each line's article, claim and stance, checked against the corpus; a
    /// problem throws <see cref="CorpusException"/> naming the file and line.
    /// </summary>
    public static List<StanceLabel> ReadLabels(Corpus corpus, string labelsPath)
    {
        if (!File.Exists(labelsPath))
        {
            throw new CorpusException($"{labelsPath}: missing (one {{\"article_id\", \"claim_id\", \"stance\"}} per line)");
        }

        var articleIds = corpus.Articles.Select(a => a.Id).ToHashSet(StringComparer.Ordinal);
        var claimIds = corpus.Claims.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        var labels = new List<StanceLabel>();
        var seen = new HashSet<(string, string)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(labelsPath))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            var where = $"{labelsPath}:{lineNumber}";
            string? articleId, claimId, stanceName;
            try
            {
                using var label = JsonDocument.Parse(line);
                articleId = label.RootElement.TryGetProperty("article_id", out var a) ? a.GetString() : null;
                claimId = label.RootElement.TryGetProperty("claim_id", out var c) ? c.GetString() : null;
                stanceName = label.RootElement.TryGetProperty("stance", out var s) ? s.GetString() : null;
            }
            catch (Exception ex) when (ex is JsonException or InvalidOperationException)
            {
                throw new CorpusException($"{where}: invalid label: {ex.Message}");
            }

            if (articleId is null || !articleIds.Contains(articleId))
            {
                throw new CorpusException($"{where}: article_id '{articleId}' is not an article of the corpus");
            }

            if (claimId is null || !claimIds.Contains(claimId))
            {
                throw new CorpusException($"{where}: claim_id '{claimId}' is not a claim of the corpus");
            }

            if (!Enum.TryParse<Stance>(stanceName, ignoreCase: true, out var stance) || stance == Stance.Unspecified || int.TryParse(stanceName, out _))
            {
                throw new CorpusException($"{where}: stance '{stanceName}' is not one of acknowledges, denies, deflects, discusses, omits, unrelated");
            }

            if (!seen.Add((articleId, claimId)))
            {
                throw new CorpusException($"{where}: ({articleId}, {claimId}) is labelled twice");
            }

            labels.Add(new StanceLabel(articleId, claimId, stance));
        }

        return labels;
    }

    /// <summary>Every sub-folder of <paramref name="parent"/> holding labels.jsonl, in name order.</summary>
    public static IReadOnlyList<StanceCorpus> LoadAll(string parent)
    {
        if (!Directory.Exists(parent))
        {
            throw new CorpusException($"{parent}: no such folder of corpora");
        }

        var corpora = Directory.GetDirectories(parent)
            .Where(d => File.Exists(Path.Combine(d, LabelsFile)))
            .Order(StringComparer.Ordinal)
            .Select(Load)
            .ToList();
        return corpora.Count > 0 ? corpora : throw new CorpusException($"{parent}: no corpus folder with {LabelsFile}");
    }

    /// <summary>The corpora of several folders, each folder's in name order; two corpora of one name are refused.</summary>
    public static IReadOnlyList<StanceCorpus> LoadAll(IEnumerable<string> parents)
    {
        var corpora = parents.SelectMany(LoadAll).ToList();
        var repeated = corpora.GroupBy(c => c.Name, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return repeated is null ? corpora : throw new CorpusException($"corpus {repeated.Key}: in more than one of the folders");
    }

    /// <summary>SHA-256 over the claims, articles and labels files, in that order.</summary>
    private static string Sha256(string directory)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in new[] { Corpus.ClaimsFile, Corpus.ArticlesFile, LabelsFile })
        {
            hash.AppendData(File.ReadAllBytes(Path.Combine(directory, file)));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
