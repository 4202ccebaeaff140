using System.CommandLine;
using BenchmarkDotNet.Running;
using NarrativeMonitor.StanceModel;

// `train-stance ...` / `eval-stance ...` run the model commands (same as the CLI); anything else runs the benchmarks.
if (args.Length > 0 && args[0] is "train-stance" or "eval-stance")
{
    var root = new RootCommand("NarrativeMonitor stance model") { StanceModelCommands.Train(), StanceModelCommands.Evaluate() };
    return root.Parse(args).Invoke();
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
