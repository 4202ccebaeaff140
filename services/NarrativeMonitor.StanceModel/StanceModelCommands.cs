using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using NarrativeMonitor.StanceModel.Fnc;
using NarrativeMonitor.StanceModel.Model;
using NarrativeMonitor.StanceModel.Training;

namespace NarrativeMonitor.StanceModel;

/// <summary>CLI commands: train-stance (train and write the model) and eval-stance (score a model on FNC-1 format CSVs).</summary>
public static class StanceModelCommands
{
    public static Command Train()
    {
        var bodies = new Option<FileInfo>("--bodies") { Description = "FNC-1 format bodies CSV (Body ID, articleBody)", Required = true };
        var stances = new Option<FileInfo>("--stances") { Description = "FNC-1 format stances CSV (Headline, Body ID, Stance)", Required = true };
        var output = new Option<FileInfo>("--out") { Description = "Model file to write", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the split and of the learners", DefaultValueFactory = _ => 1 };
        var fraction = new Option<double>("--validation-fraction") { Description = "Fraction of bodies held out for validation", DefaultValueFactory = _ => 0.2 };
        var writeValidation = new Option<DirectoryInfo?>("--write-validation") { Description = "Directory to write the validation split's bodies.csv and stances.csv into" };
        var command = new Command("train-stance", "Train the two-stage FNC-1 stance model (held-out validation split by body)")
        {
            bodies, stances, output, seed, fraction, writeValidation,
        };
        command.SetAction(parse => RunTrain(
            parse.GetValue(bodies)!, parse.GetValue(stances)!, parse.GetValue(output)!, parse.GetValue(seed),
            parse.GetValue(fraction), parse.GetValue(writeValidation), Console.Out));
        return command;
    }

    public static Command Evaluate()
    {
        var bodies = new Option<FileInfo>("--bodies") { Description = "FNC-1 format bodies CSV (Body ID, articleBody)", Required = true };
        var stances = new Option<FileInfo>("--stances") { Description = "FNC-1 format stances CSV (Headline, Body ID, Stance)", Required = true };
        var model = new Option<FileInfo?>("--model") { Description = "Model file (default: the model shipped in the assembly)" };
        var command = new Command("eval-stance", "Classify every pair with the stance model; print FNC-1 score, F1s, confusion matrix, pairs/s; last line JSON")
        {
            bodies, stances, model,
        };
        command.SetAction(parse => RunEvaluate(parse.GetValue(bodies)!, parse.GetValue(stances)!, parse.GetValue(model), Console.Out));
        return command;
    }

    internal static int RunTrain(FileInfo bodies, FileInfo stances, FileInfo output, int seed, double validationFraction, DirectoryInfo? writeValidation, TextWriter log)
    {
        var bodiesHash = FncDataset.Sha256(bodies.FullName);
        var stancesHash = FncDataset.Sha256(stances.FullName);
        log.WriteLine($"bodies  {bodies.FullName} sha256={bodiesHash}");
        log.WriteLine($"stances {stances.FullName} sha256={stancesHash}");
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"seed={seed} validation-fraction={validationFraction}"));
        var data = FncDataset.Load(bodies.FullName, stances.FullName);
        var (train, validation) = data.SplitByBody(validationFraction, seed);
        log.WriteLine($"train: {train.Bodies.Count} bodies, {train.Pairs.Count} pairs; validation: {validation.Bodies.Count} bodies, {validation.Pairs.Count} pairs");
        if (writeValidation is not null)
        {
            writeValidation.Create();
            validation.Write(Path.Combine(writeValidation.FullName, "bodies.csv"), Path.Combine(writeValidation.FullName, "stances.csv"));
            log.WriteLine($"validation split written to {writeValidation.FullName}/bodies.csv and stances.csv");
        }

        var stopwatch = Stopwatch.StartNew();
        var model = StanceTrainer.Train(train, new StanceTrainingOptions { Seed = seed, BodiesSha256 = bodiesHash, StancesSha256 = stancesHash }, log);
        log.WriteLine($"trained in {stopwatch.Elapsed.TotalSeconds:F1} s");
        if (validation.Pairs.Count > 0)
        {
            var evaluation = StanceEvaluator.Evaluate(model, validation);
            log.WriteLine("validation:");
            log.WriteLine(evaluation.Score.Report());
        }

        output.Directory?.Create();
        model.Save(output.FullName);
        log.WriteLine($"model written to {output.FullName} ({new FileInfo(output.FullName).Length} bytes, sha256={FncDataset.Sha256(output.FullName)})");
        return 0;
    }

    internal static int RunEvaluate(FileInfo bodies, FileInfo stances, FileInfo? modelFile, TextWriter log)
    {
        var stopwatch = Stopwatch.StartNew();
        var model = modelFile is null ? FncStanceModel.LoadEmbedded() : FncStanceModel.Load(modelFile.FullName);
        log.WriteLine($"model loaded in {stopwatch.Elapsed.TotalMilliseconds:F0} ms ({(modelFile is null ? "embedded" : modelFile.FullName)}; trained on {model.Info.TrainingBodies} bodies / {model.Info.TrainingPairs} pairs, seed {model.Info.Seed})");
        var data = FncDataset.Load(bodies.FullName, stances.FullName);
        log.WriteLine($"{data.Bodies.Count} bodies, {data.Pairs.Count} pairs");
        var evaluation = StanceEvaluator.Evaluate(model, data);
        var score = evaluation.Score;
        log.WriteLine(score.Report());
        log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{evaluation.Pairs} pairs in {evaluation.Elapsed.TotalSeconds:F2} s single-threaded = {evaluation.PairsPerSecond:F0} pairs/s (each body and headline analysed once)"));
        log.WriteLine(JsonSerializer.Serialize(new Dictionary<string, double>
        {
            ["fnc_score"] = Math.Round(score.Percent, 4),
            ["macro_f1"] = Math.Round(score.MacroF1, 4),
            ["f1_agree"] = Math.Round(score.F1[0], 4),
            ["f1_disagree"] = Math.Round(score.F1[1], 4),
            ["f1_discuss"] = Math.Round(score.F1[2], 4),
            ["f1_unrelated"] = Math.Round(score.F1[3], 4),
            ["pairs_per_second"] = Math.Round(evaluation.PairsPerSecond, 1),
        }));
        return 0;
    }
}
