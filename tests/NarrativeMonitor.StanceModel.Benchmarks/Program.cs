using System.CommandLine;
using BenchmarkDotNet.Running;
using NarrativeMonitor.StanceModel;
using NarrativeMonitor.StanceModel.Benchmarks;

// `train-stance ...` / `eval-stance ...` run the model commands (same as the CLI); `claim-scaling [fill ...]` is a quick
// Stopwatch run of the claim scaling sets; anything else runs the benchmarks, then prints the claim scaling ratios.
if (args.Length > 0 && args[0] is "train-stance" or "eval-stance")
{
    var root = new RootCommand("NarrativeMonitor stance model") { StanceModelCommands.Train(), StanceModelCommands.Evaluate() };
    return root.Parse(args).Invoke();
}

if (args.Length > 0 && args[0] == "claim-scaling")
{
    return ClaimScalingReport.Quick(args[1..]);
}

ClaimScalingReport.Print(BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args));
return 0;
