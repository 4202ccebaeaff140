using NarrativeMonitor.Cli;

return await CliCommands.RunAsync(args);
