using NarrativeMonitor.Cli;

return await CliCommands.Build().Parse(args).InvokeAsync();
