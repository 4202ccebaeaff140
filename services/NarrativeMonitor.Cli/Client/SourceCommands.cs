using System.CommandLine;
using NarrativeMonitor.Protos.Common.V1;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Cli.Client;

/// <summary>`sources list` and `sources register` (IngestService).</summary>
public static class SourceCommands
{
    public static Command Build() => new Command("sources", "Sources (outlets) known to ingest") { List(), Register() }.WithClientOptions();

    private static Command List()
    {
        var kind = new Option<string?>("--kind") { Description = "Only this kind: state_media, official, wire, independent, analysis" };
        var command = new Command("list", "Lists the registered sources") { kind };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var request = new ListSourcesRequest();
            if (parse.GetValue(kind) is { } k)
            {
                request.Kind = Output.ParseName<SourceKind>(k, "--kind");
            }

            var response = await context.Ingest.ListSourcesAsync(request, cancellationToken: cancellationToken);
            var sources = response.Sources.OrderBy(s => s.Id, StringComparer.Ordinal).ToList();
            if (context.Json)
            {
                context.WriteJsonLines(sources);
            }
            else
            {
                context.Output.WriteTable(["ID", "KIND", "COUNTRY", "LANGUAGE", "NAME"],
                    [.. sources.Select(s => new[] { s.Id, Output.Name(s.Kind), s.Country, s.Language, s.Name })], "No sources.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Register()
    {
        var id = new Argument<string>("id") { Description = "Source id, [A-Za-z0-9._-]{1,64}" };
        var name = new Option<string>("--name") { Description = "Display name", Required = true };
        var kind = new Option<string>("--kind") { Description = "state_media, official, wire, independent or analysis", Required = true };
        var country = new Option<string?>("--country") { Description = "ISO 3166-1 alpha-2 country code" };
        var language = new Option<string?>("--language") { Description = "Usual language (ISO 639-1)" };
        var command = new Command("register", "Registers a source, or replaces the one with the same id") { id, name, kind, country, language };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var source = new Source
            {
                Id = parse.GetValue(id)!,
                Name = parse.GetValue(name)!,
                Kind = Output.ParseName<SourceKind>(parse.GetValue(kind)!, "--kind"),
                Country = parse.GetValue(country) ?? "",
                Language = parse.GetValue(language) ?? "",
            };
            var registered = await context.Ingest.RegisterSourceAsync(new RegisterSourceRequest { Source = source }, cancellationToken: cancellationToken);
            context.Output.WriteLine(context.Json ? Output.ToJson(registered) : $"Registered source {registered.Id} ({Output.Name(registered.Kind)}).");
            return ExitCodes.Ok;
        });
        return command;
    }
}
