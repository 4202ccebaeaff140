using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using NarrativeMonitor.Classification;
using NarrativeMonitor.Classifier;
using NarrativeMonitor.StanceModel;
using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Training;

namespace NarrativeMonitor.Cli;

/// <summary>train-domain (the domain stage of the trained classifier) and eval-corpus (agreement with a corpus's hand labels).</summary>
public static class DomainStageCommands
{
    public const string DomainData = "services/NarrativeMonitor.StanceModel/DomainData";

    /// <summary>
    /// What the shipped domain stage is trained on: the corpora written for training, and the sample corpora (all our
    /// hand labels; the honest figures are the held-out ones: leave-one-corpus-out and DomainTest/).
    /// </summary>
    public static readonly string[] DefaultCorpora = [DomainData, "samples"];

    public static Command Train()
    {
        var corpora = new Option<DirectoryInfo[]>("--corpora")
        {
            Description = "Folders of labelled training corpora (repeatable)",
            DefaultValueFactory = _ => DefaultCorpora.Select(d => new DirectoryInfo(d)).ToArray(),
            AllowMultipleArgumentsPerToken = true,
        };
        var output = new Option<FileInfo?>("--out") { Description = "Domain stage file to write (e.g. services/NarrativeMonitor.StanceModel/Model/domain-stage.zip)" };
        var seed = new Option<int>("--seed") { Description = "Seed of the learners", DefaultValueFactory = _ => 1 };
        var iterations = new Option<int>("--iterations") { Description = "Boosting iterations per stance", DefaultValueFactory = _ => new DomainTrainingOptions().Iterations };
        var leaves = new Option<int>("--leaves") { Description = "Leaves per tree", DefaultValueFactory = _ => new DomainTrainingOptions().Leaves };
        var minimumLeaf = new Option<int>("--min-leaf") { Description = "Minimum training pairs per leaf", DefaultValueFactory = _ => new DomainTrainingOptions().MinimumExamplesPerLeaf };
        var learningRate = new Option<double>("--learning-rate") { Description = "Boosting learning rate", DefaultValueFactory = _ => new DomainTrainingOptions().LearningRate };
        var crossValidate = new Option<bool>("--cross-validate") { Description = "Leave one corpus out: print the domain stage's, the FNC-1 mapping's and the rules' agreement on each held-out corpus" };
        var command = new Command("train-domain", "Train the trained classifier's domain stage on hand-labelled corpora (FNC-1 model: the shipped one)")
        {
            corpora, output, seed, iterations, leaves, minimumLeaf, learningRate, crossValidate,
        };
        command.SetAction(parse =>
        {
            try
            {
                var options = new DomainTrainingOptions
                {
                    Seed = parse.GetValue(seed),
                    Iterations = parse.GetValue(iterations),
                    Leaves = parse.GetValue(leaves),
                    MinimumExamplesPerLeaf = parse.GetValue(minimumLeaf),
                    LearningRate = parse.GetValue(learningRate),
                };
                return RunTrain(parse.GetValue(corpora)!, parse.GetValue(output), options, parse.GetValue(crossValidate), Console.Out);
            }
            catch (CorpusException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }
        });
        return command;
    }

    public static Command EvaluateCorpus()
    {
        var corpus = new Argument<DirectoryInfo>("corpus-dir") { Description = "Corpus folder with labels.jsonl" };
        var classifier = new Option<ClassifierKind>("--classifier") { Description = "Model or Rules", DefaultValueFactory = _ => ClassificationOptions.DefaultClassifier };
        var command = new Command("eval-corpus", "Classifies every labelled (article, claim) pair of a corpus and prints per-stance accuracy, F1 and the confusion matrix.")
        {
            corpus, classifier,
        };
        command.SetAction(parse =>
        {
            try
            {
                var confusion = StanceConfusion.Of(ClassificationServiceExtensions.CreateClassifier(parse.GetValue(classifier)), StanceCorpora.Load(parse.GetValue(corpus)!.FullName));
                Console.Write(confusion.Report());
                foreach (var disagreement in confusion.Disagreements)
                {
                    Console.WriteLine("  " + disagreement);
                }

                return 0;
            }
            catch (CorpusException ex)
            {
                Console.Error.WriteLine(ex.Message);
                return 2;
            }
        });
        return command;
    }

    internal static int RunTrain(IReadOnlyList<DirectoryInfo> corporaFolders, FileInfo? output, DomainTrainingOptions options, bool crossValidate, TextWriter log)
    {
        var corpora = StanceCorpora.LoadAll(corporaFolders.Select(f => f.FullName));
        foreach (var corpus in corpora)
        {
            log.WriteLine($"corpus {corpus.Name}: {corpus.Claims.Count} claims, {corpus.Articles.Count} articles, {corpus.Labels.Count} labels, sha256={corpus.Sha256}");
        }

        var fnc = FncStanceModel.LoadEmbedded();
        options = options with { FncModelSha256 = FncStanceModel.EmbeddedSha256() };
        log.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"seed={options.Seed} iterations={options.Iterations} leaves={options.Leaves} min-leaf={options.MinimumExamplesPerLeaf} learning-rate={options.LearningRate} FNC-1 model sha256={options.FncModelSha256}"));
        if (crossValidate)
        {
            CrossValidate(corpora, fnc, options, log);
        }

        if (output is not null)
        {
            var stopwatch = Stopwatch.StartNew();
            var model = DomainTrainer.Train(corpora, fnc, options, log);
            log.WriteLine($"trained in {stopwatch.Elapsed.TotalSeconds:F1} s");
            output.Directory?.Create();
            model.Save(output.FullName);
            log.WriteLine($"domain stage written to {output.FullName} ({new FileInfo(output.FullName).Length} bytes, sha256={FncDataset.Sha256(output.FullName)})");
        }

        return 0;
    }

    private static void CrossValidate(IReadOnlyList<StanceCorpus> corpora, FncStanceModel fnc, DomainTrainingOptions options, TextWriter log)
    {
        var mapped = new StanceConfusion();
        var rules = new StanceConfusion();
        var rulesClassifier = new RuleBasedStanceClassifier();
        var mappedClassifier = new TrainedStanceClassifier(fnc, null);
        log.WriteLine($"leave one corpus out over {corpora.Count} corpora (accuracy: domain stage / FNC-1 mapping / rules):");
        var domain = DomainTrainer.CrossValidate(corpora, fnc, options, (held, confusion) =>
        {
            var m = StanceConfusion.Of(mappedClassifier, held);
            var r = StanceConfusion.Of(rulesClassifier, held);
            mapped.Add(m);
            rules.Add(r);
            log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {held.Name,-24} {confusion.Total,4} pairs  {confusion.Accuracy,6:P1} / {m.Accuracy,6:P1} / {r.Accuracy,6:P1}   macro-F1 {confusion.MacroF1:F3} / {m.MacroF1:F3} / {r.MacroF1:F3}"));
        });
        log.WriteLine("domain stage, every corpus held out once:");
        log.Write(domain.Report());
        foreach (var disagreement in domain.Disagreements)
        {
            log.WriteLine("  " + disagreement);
        }

        log.WriteLine("FNC-1 model with the fixed mapping:");
        log.Write(mapped.Report());
        log.WriteLine("rules:");
        log.Write(rules.Report());
    }
}
