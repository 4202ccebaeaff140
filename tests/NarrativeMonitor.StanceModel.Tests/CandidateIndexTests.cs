using System.Globalization;
using NarrativeMonitor.Classifier;

namespace NarrativeMonitor.StanceModel.Tests;

/// <summary>The index's one pass over postings gives the candidates that the claim-by-claim definitions give.</summary>
public class CandidateIndexTests
{
    private static readonly Lazy<TrainedStanceClassifier> Shared = new(() => new TrainedStanceClassifier());

    [Fact]
    public void Candidates_from_the_postings_are_the_claims_that_pass_IsCandidate_or_are_on_topic()
    {
        var classifier = Shared.Value;
        var (_, validation) = FncData.Load().SplitByBody(0.2, 1);
        var headlines = validation.Pairs.Select(p => p.Headline).Distinct().Order(StringComparer.Ordinal).ToList();

        // Every other claim gets a topic (its last two words and a one-word marker) and a keyword (its first word), so
        // that all kinds of posting are exercised.
        var claims = headlines.Select((h, i) =>
        {
            var words = h.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            var id = i.ToString(CultureInfo.InvariantCulture);
            return i % 2 == 0 || words.Length < 3
                ? new ClaimDefinition(id, h, "", [], [])
                : new ClaimDefinition(id, h, string.Join(' ', words[^2..]), [words[0]], [words[^1]]);
        }).ToList();
        var prepared = (TrainedStanceClassifier.PreparedClaims)classifier.Prepare(claims);

        // The topic terms, and the one-word topic keywords' terms that count twice, as PreparedClaims defines them.
        var model = classifier.Model;
        var topics = claims.Select(c => (
            Terms: model.Process(c.Topic + ". " + string.Join(". ", c.TopicKeywords)).TermCounts.Keys.ToHashSet(),
            Markers: c.TopicKeywords.Select(k => model.Process(k).TermCounts.Keys.ToArray()).Where(k => k.Length == 1).Select(k => k[0]).ToHashSet()))
            .ToList();

        var compared = 0;
        foreach (var body in validation.Bodies.OrderBy(b => b.Key).Take(150).Select(b => model.Process(b.Value)))
        {
            var candidates = prepared.Candidates(body);
            Assert.Equal(candidates.Select(c => c.Claim).Order(), candidates.Select(c => c.Claim));
            var byClaim = candidates.ToDictionary(c => c.Claim);
            for (var c = 0; c < prepared.Count; c++)
            {
                var entry = prepared.Entries[c];
                var onClaim = entry.IsCandidate(body);
                var topicHits = topics[c].Terms.Where(body.TermCounts.ContainsKey).Sum(t => topics[c].Markers.Contains(t) ? 2 : 1);
                var onTopic = entry.TopicHitsNeeded > 0 && topicHits >= entry.TopicHitsNeeded;
                Assert.Equal(onClaim || onTopic, byClaim.ContainsKey(c));
                if (byClaim.TryGetValue(c, out var candidate))
                {
                    Assert.Equal(onClaim, candidate.OnClaim);
                    Assert.Equal(onTopic, candidate.OnTopic);
                    compared++;
                }
            }
        }

        Assert.True(compared > 100, $"{compared} candidates compared");
    }
}
