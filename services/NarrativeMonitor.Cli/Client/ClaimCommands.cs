using System.CommandLine;
using NarrativeMonitor.Protos.Classification.V1;

namespace NarrativeMonitor.Cli.Client;

/// <summary>`claims create|update|retire|get|list` (ClassificationService).</summary>
public static class ClaimCommands
{
    public static Command Build() =>
        new Command("claims", "The claims tracked: statements, topics, keywords and rules N, M, W") { Create(), Update(), Retire(), Get(), List() }
            .WithClientOptions();

    private sealed record ClaimOptions(Option<string?> Statement, Option<string?> Topic, Option<string[]> Keywords, Option<string[]> TopicKeywords, Option<string[]> Rules)
    {
        public static ClaimOptions Create(bool required) => new(
            new Option<string?>("--statement") { Description = "The fact, as a sentence", Required = required },
            new Option<string?>("--topic") { Description = "What articles on the claim's subject talk about", Required = required },
            new Option<string[]>("--keyword") { Description = "A keyword of the claim, any language (repeatable; replaces the list)" },
            new Option<string[]>("--topic-keyword") { Description = "A keyword of the topic (repeatable; replaces the list)" },
            new Option<string[]>("--rule") { Description = RuleOverrides.Help });

        public IEnumerable<Option> All => [Statement, Topic, Keywords, TopicKeywords, Rules];

        public Claim ApplyTo(Claim claim, ParseResult parse)
        {
            if (parse.GetValue(Statement) is { } statement)
            {
                claim.Statement = statement;
            }

            if (parse.GetValue(Topic) is { } topic)
            {
                claim.Topic = topic;
            }

            if (parse.GetValue(Keywords) is { Length: > 0 } keywords)
            {
                claim.Keywords.Clear();
                claim.Keywords.AddRange(keywords);
            }

            if (parse.GetValue(TopicKeywords) is { Length: > 0 } topicKeywords)
            {
                claim.TopicKeywords.Clear();
                claim.TopicKeywords.AddRange(topicKeywords);
            }

            var rules = RuleOverrides.Parse(parse.GetValue(Rules) ?? []);
            if (!rules.IsEmpty)
            {
                claim.Rules = rules.Apply(claim.Rules);
            }

            return claim;
        }
    }

    private static Command Create()
    {
        var id = new Argument<string>("id") { Description = "Claim id" };
        var options = ClaimOptions.Create(required: true);
        var command = new Command("create", "Tracks a new claim") { id };
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var claim = options.ApplyTo(new Claim { Id = parse.GetValue(id)! }, parse);
            var created = await context.Classification.CreateClaimAsync(new CreateClaimRequest { Claim = claim }, cancellationToken: cancellationToken);
            context.Output.WriteLine(context.Json ? Output.ToJson(created) : $"Created claim {created.Id} ({Rules(created.Rules)}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Update()
    {
        var id = new Argument<string>("id") { Description = "Claim id" };
        var options = ClaimOptions.Create(required: false);
        var command = new Command("update", "Changes a claim: only the options given change") { id };
        foreach (var option in options.All)
        {
            command.Options.Add(option);
        }

        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var current = await context.Classification.GetClaimAsync(new GetClaimRequest { Id = parse.GetValue(id)! }, cancellationToken: cancellationToken);
            var updated = await context.Classification.UpdateClaimAsync(new UpdateClaimRequest { Claim = options.ApplyTo(current, parse) }, cancellationToken: cancellationToken);
            context.Output.WriteLine(context.Json ? Output.ToJson(updated) : $"Updated claim {updated.Id} ({Rules(updated.Rules)}).");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Retire()
    {
        var id = new Argument<string>("id") { Description = "Claim id" };
        var command = new Command("retire", "Stops classifying against a claim; its alerts stay") { id };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var retired = await context.Classification.RetireClaimAsync(new RetireClaimRequest { Id = parse.GetValue(id)! }, cancellationToken: cancellationToken);
            context.Output.WriteLine(context.Json ? Output.ToJson(retired) : $"Retired claim {retired.Id}.");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command Get()
    {
        var id = new Argument<string>("id") { Description = "Claim id" };
        var command = new Command("get", "Shows one claim") { id };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var claim = await context.Classification.GetClaimAsync(new GetClaimRequest { Id = parse.GetValue(id)! }, cancellationToken: cancellationToken);
            if (context.Json)
            {
                context.Output.WriteLine(Output.ToJson(claim));
                return ExitCodes.Ok;
            }

            var output = context.Output;
            output.WriteLine($"Claim:          {claim.Id} ({Output.Name(claim.Status)})");
            output.WriteLine($"Statement:      {claim.Statement}");
            output.WriteLine($"Topic:          {claim.Topic}");
            output.WriteLine($"Keywords:       {string.Join(", ", claim.Keywords)}");
            output.WriteLine($"Topic keywords: {string.Join(", ", claim.TopicKeywords)}");
            output.WriteLine($"Rules:          {Rules(claim.Rules)}");
            output.WriteLine($"Created:        {Output.Short(claim.CreatedAt)}; updated {Output.Short(claim.UpdatedAt)}");
            return ExitCodes.Ok;
        });
        return command;
    }

    private static Command List()
    {
        var all = new Option<bool>("--all") { Description = "Include retired claims" };
        var command = new Command("list", "Lists the claims") { all };
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var response = await context.Classification.ListClaimsAsync(new ListClaimsRequest { IncludeRetired = parse.GetValue(all) }, cancellationToken: cancellationToken);
            var claims = response.Claims.OrderBy(c => c.Id, StringComparer.Ordinal).ToList();
            if (context.Json)
            {
                context.WriteJsonLines(claims);
            }
            else
            {
                context.Output.WriteTable(["ID", "STATUS", "RULES", "STATEMENT"],
                    [.. claims.Select(c => new[] { c.Id, Output.Name(c.Status), Rules(c.Rules), c.Statement })], "No claims.");
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    /// <summary>"N=2 M=3 W=14d"; a rule left at zero takes the service default and is shown as such.</summary>
    public static string Rules(ClaimRules? rules)
    {
        var n = rules?.ConfirmationSources is > 0 ? rules.ConfirmationSources : Contracts.ClaimRules.DefaultConfirmationSources;
        var m = rules?.OmissionArticles is > 0 ? rules.OmissionArticles : Contracts.ClaimRules.DefaultOmissionArticles;
        var w = rules?.OmissionWindow?.ToTimeSpan() is { Ticks: > 0 } window ? window : Contracts.ClaimRules.DefaultOmissionWindow;
        return $"N={n} M={m} W={RuleOverrides.Window(w)}";
    }
}
