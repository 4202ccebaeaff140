using NarrativeMonitor.Cli;
using NarrativeMonitor.Contracts;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Training;
using NarrativeMonitor.Testing;
using Xunit.Abstractions;

namespace NarrativeMonitor.StanceModel.Tests;

/// <summary>The domain stage: trained on the hand-labelled corpora in DomainData and samples/, shipped as Model/domain-stage.zip.</summary>
public class DomainStageTests(ITestOutputHelper output)
{
    /// <summary>The corpora written for training (DomainData).</summary>
    private static readonly Lazy<IReadOnlyList<StanceCorpus>> Corpora = new(() =>
        StanceCorpora.LoadAll(Path.Combine(RepositoryPaths.Root, DomainStageCommands.DomainData)));

    /// <summary>Everything the shipped stage is trained on: DomainData, then the samples.</summary>
    private static readonly Lazy<IReadOnlyList<StanceCorpus>> TrainingCorpora = new(() =>
        StanceCorpora.LoadAll(DomainStageCommands.DefaultCorpora.Select(d => Path.Combine(RepositoryPaths.Root, d))));

    private static readonly Lazy<FncStanceModel> Fnc = new(FncStanceModel.LoadEmbedded);

    private static readonly DomainTrainingOptions SmallOptions = new() { Seed = 5, Iterations = 60 };

    [Fact]
    public void Stage_trained_without_a_corpus_beats_the_majority_guess_on_that_corpus()
    {
        var corpora = Corpora.Value;
        Assert.True(corpora.Count >= 4, $"{corpora.Count} domain corpora");
        var held = corpora[0];
        var model = DomainTrainer.Train(corpora.Skip(1).ToList(), Fnc.Value, SmallOptions);

        var confusion = StanceConfusion.Of(new TrainedStanceClassifier(Fnc.Value, model), held);
        var majority = held.Labels.GroupBy(l => l.Stance).MaxBy(g => g.Count())!;
        var majorityAccuracy = (double)majority.Count() / held.Labels.Count;
        var majorityMacroF1 = 2.0 * majority.Count() / (held.Labels.Count + majority.Count()) / held.Labels.Select(l => l.Stance).Distinct().Count();

        output.WriteLine($"held out {held.Name}:");
        output.WriteLine(confusion.Report());
        output.WriteLine($"majority ({majority.Key}): accuracy {majorityAccuracy:P1}, macro-F1 {majorityMacroF1:F3}");
        Assert.Equal(held.Labels.Count, confusion.Total);
        Assert.True(confusion.Accuracy >= majorityAccuracy + 0.2, $"accuracy {confusion.Accuracy:P1} vs majority {majorityAccuracy:P1}");
        Assert.True(confusion.MacroF1 >= majorityMacroF1 + 0.3, $"macro-F1 {confusion.MacroF1:F3} vs majority {majorityMacroF1:F3}");
    }

    [Fact]
    public void Training_is_reproducible_byte_for_byte()
    {
        var corpora = Corpora.Value.Take(3).ToList();
        var first = Path.GetTempFileName();
        var second = Path.GetTempFileName();
        try
        {
            DomainTrainer.Train(corpora, Fnc.Value, SmallOptions).Save(first);
            DomainTrainer.Train(corpora, Fnc.Value, SmallOptions).Save(second);
            Assert.Equal(File.ReadAllBytes(first), File.ReadAllBytes(second));

            var reloaded = DomainStanceModel.Load(first);
            Assert.Equal(corpora.Select(c => $"{c.Name} sha256={c.Sha256}"), reloaded.Info.Corpora);
        }
        finally
        {
            File.Delete(first);
            File.Delete(second);
        }
    }

    [Fact]
    public void Shipped_stage_was_trained_on_the_corpora_and_FNC_model_in_the_repository()
    {
        var shipped = DomainStanceModel.LoadEmbedded();
        Assert.Equal(TrainingCorpora.Value.Select(c => $"{c.Name} sha256={c.Sha256}"), shipped.Info.Corpora);
        Assert.Contains(shipped.Info.Corpora, c => c.StartsWith("kursk-2024 ", StringComparison.Ordinal));
        Assert.Equal(FncStanceModel.EmbeddedSha256(), shipped.Info.FncModelSha256);
    }

    [Fact]
    public void Training_corpora_share_no_article_text_with_the_sample_corpora()
    {
        var samples = Directory.GetDirectories(RepositoryPaths.Samples).Select(StanceCorpora.Load).ToList();
        var sampleSentences = samples.SelectMany(c => c.Articles).SelectMany(a => Sentences(a.Text.Body)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var sampleClaims = samples.SelectMany(c => c.Claims).Select(c => c.Statement).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var corpus in Corpora.Value)
        {
            Assert.DoesNotContain(corpus.Claims, c => sampleClaims.Contains(c.Statement));
            var shared = corpus.Articles.SelectMany(a => Sentences(a.Text.Body)).Where(sampleSentences.Contains).ToList();
            Assert.True(shared.Count == 0, $"{corpus.Name} repeats sample sentences: {string.Join(" | ", shared.Take(3))}");
        }
    }

    /// <summary>
    /// The shipped stage is trained on the samples too, so its agreement with them says little; this is the honest one:
    /// a stage trained with the shipped settings on everything but the sample agrees with it. 74.6% and 84.0% when
    /// measured (README, `train-domain --cross-validate`); the floor is a regression guard.
    /// </summary>
    [Theory]
    [InlineData("kursk-2024", 0.7)]
    [InlineData("tarsel-chlorine-2025", 0.76)]
    public void Stage_trained_without_a_sample_agrees_with_its_labels(string corpus, double minimum)
    {
        var held = TrainingCorpora.Value.Single(c => c.Name == corpus);
        var model = DomainTrainer.Train(TrainingCorpora.Value.Where(c => c != held).ToList(), Fnc.Value, new DomainTrainingOptions());
        var confusion = StanceConfusion.Of(new TrainedStanceClassifier(Fnc.Value, model), held);

        output.WriteLine(confusion.Report());
        Assert.True(confusion.Accuracy >= minimum, $"{corpus}: {confusion.Accuracy:P1} agreement held out, below {minimum:P0}");
    }

    /// <summary>
    /// DomainTest/ holds corpora never trained on and never used for a decision about features, settings or data
    /// (only measured): they must not be among the shipped stage's training corpora. 79.6% when measured (README); the
    /// floor is a regression guard.
    /// </summary>
    [Fact]
    public void Shipped_classifier_on_the_held_out_test_corpora()
    {
        var testCorpora = StanceCorpora.LoadAll(Path.Combine(RepositoryPaths.Root, "services/NarrativeMonitor.StanceModel/DomainTest"));
        var trainedOn = DomainStanceModel.LoadEmbedded().Info.Corpora.Select(c => c.Split(' ')[0]).ToHashSet();
        Assert.DoesNotContain(testCorpora, c => trainedOn.Contains(c.Name));
        Assert.DoesNotContain(testCorpora, c => TrainingCorpora.Value.Any(t => t.Claims.Any(tc => c.Claims.Any(cc => cc.Statement == tc.Statement))));

        var classifier = Classification.ClassificationServiceExtensions.CreateClassifier(Classification.ClassifierKind.Model);
        var total = new StanceConfusion();
        foreach (var corpus in testCorpora)
        {
            total.Add(StanceConfusion.Of(classifier, corpus));
        }

        output.WriteLine(total.Report());
        Assert.True(total.Accuracy >= 0.77, $"{total.Accuracy:P1} agreement on {testCorpora.Count} held-out corpora");
    }

    [Fact]
    public void Every_training_pair_is_labelled_once_with_one_of_the_six_stances()
    {
        foreach (var corpus in Corpora.Value)
        {
            Assert.Equal(corpus.Articles.Count * corpus.Claims.Count, corpus.Labels.Count);
            Assert.All(corpus.Labels, l => Assert.Contains(l.Stance, StanceConfusion.Stances));
        }
    }

    private static IEnumerable<string> Sentences(string text) =>
        text.Split(['.', '!', '?'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Where(s => s.Length > 40);
}
