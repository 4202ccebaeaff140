using NarrativeMonitor.Classifier;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.StanceModel.Features;

namespace NarrativeMonitor.StanceModel.Tests;

/// <summary>The outlet's kind reaches the domain stage as one feature per kind, and nothing else changes with it.</summary>
public class OutletKindTests
{
    [Fact]
    public void The_domain_stage_input_differs_only_in_the_outlet_features()
    {
        var classifier = new TrainedStanceClassifier();
        var prepared = (TrainedStanceClassifier.PreparedClaims)classifier.Prepare(
            [new ClaimDefinition("c", "North Korean troops are fighting alongside Russian forces in Kursk Oblast", "fighting in Kursk", ["North Korean", "DPRK"], ["Kursk"])]);
        var body = classifier.Model.Process(TrainedStanceClassifier.ArticleDocument(new ArticleText(
            "Ministry: talk of North Korean soldiers in Kursk is a fabrication",
            "A ministry official said reports of North Korean troops fighting in the Kursk region were invented. The army is clearing the region on its own.")));
        var candidate = Assert.Single(prepared.Candidates(body));
        var claim = prepared.Entries[candidate.Claim];

        float[] Input(SourceKind source)
        {
            var features = new float[DomainFeatures.Count];
            ArticleCues? cues = null;
            TrainedStanceClassifier.DomainInput(classifier.Model, claim, candidate, claim.IsMentionedIn(body), body, source,
                new float[StanceFeatures.Count], features, ref cues);
            return features;
        }

        var unknown = Input(SourceKind.Unspecified);
        var state = Input(SourceKind.StateMedia);
        var wire = Input(SourceKind.Wire);
        var names = DomainFeatures.Names;
        var outlet = names.Select((n, i) => (n, i)).Where(x => x.n.StartsWith("outlet_", StringComparison.Ordinal)).Select(x => x.i).ToHashSet();

        Assert.Equal(5, outlet.Count);
        Assert.All(outlet, i => Assert.Equal(0, unknown[i]));
        Assert.Equal(1, state[Array.IndexOf(names, "outlet_statemedia")]);
        Assert.Equal(1, wire[Array.IndexOf(names, "outlet_wire")]);
        Assert.Equal(1, state.Where((_, i) => outlet.Contains(i)).Sum());
        Assert.All(Enumerable.Range(0, names.Length).Where(i => !outlet.Contains(i)), i => Assert.Equal(unknown[i], state[i]));
    }
}
