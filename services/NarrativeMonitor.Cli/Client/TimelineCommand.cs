using System.CommandLine;
using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using NarrativeMonitor.Protos.Alerts.V1;

namespace NarrativeMonitor.Cli.Client;

/// <summary>`timeline claim`: per outlet and day, how many articles took each stance (AlertService.GetClaimTimeline).</summary>
public static class TimelineCommand
{
    private const string Bars = "▁▂▃▄▅▆▇█";
    private const int MaxSparklineWidth = 90;

    public static Command Build()
    {
        var claim = new Argument<string>("claim") { Description = "Claim id" };
        var from = new Option<string?>("--from") { Description = "First day (UTC): 2024-11-01, or an age like 30d" };
        var to = new Option<string?>("--to") { Description = "Day after the last (UTC)" };
        var outlets = new Option<string[]>("--outlet") { Description = "Only this outlet (repeatable)" };
        var command = new Command("timeline", "Per outlet and day, the stances its articles took toward a claim, with a sparkline per outlet")
        {
            claim, from, to, outlets,
        };
        command.WithClientOptions();
        command.SetClientAction(async (context, parse, cancellationToken) =>
        {
            var request = new GetClaimTimelineRequest
            {
                ClaimId = parse.GetValue(claim)!,
                From = parse.GetValue(from) is { } f ? Timestamp.FromDateTimeOffset(Output.ParseTime(f, "--from")) : null,
                To = parse.GetValue(to) is { } t ? Timestamp.FromDateTimeOffset(Output.ParseTime(t, "--to")) : null,
            };
            request.SourceIds.AddRange(parse.GetValue(outlets) ?? []);
            var timeline = await context.Alerts.GetClaimTimelineAsync(request, cancellationToken: cancellationToken);
            if (context.Json)
            {
                await context.Output.WriteLineAsync(Output.ToJson(timeline));
            }
            else
            {
                Write(context.Output, timeline);
            }

            return ExitCodes.Ok;
        });
        return command;
    }

    public static void Write(TextWriter output, ClaimTimeline timeline)
    {
        output.WriteLine($"Claim {timeline.ClaimId}: {(timeline.ConfirmedAt is null ? "not confirmed" : $"confirmed {Output.Short(timeline.ConfirmedAt)} UTC")}");
        output.WriteLine();
        var days = timeline.Outlets.SelectMany(o => o.Days).Select(d => Day(d.Date)).OfType<DateOnly>().ToList();
        if (days.Count == 0)
        {
            output.WriteLine("No on-topic articles.");
            return;
        }

        var first = days.Min();
        var last = days.Max();
        var span = last.DayNumber - first.DayNumber + 1;
        var daysPerColumn = (span + MaxSparklineWidth - 1) / MaxSparklineWidth;
        output.WriteLine($"On-topic articles per {(daysPerColumn == 1 ? "day" : $"{daysPerColumn} days")}, {first:yyyy-MM-dd} to {last:yyyy-MM-dd}" +
            " (letters under the line: A acknowledges, D denies, F deflects, O omits, d discusses; most diverging first):");
        var width = timeline.Outlets.Max(o => o.SourceId.Length);
        foreach (var outlet in timeline.Outlets)
        {
            var columns = new int[(span + daysPerColumn - 1) / daysPerColumn];
            var marks = new char[columns.Length];
            Array.Fill(marks, ' ');
            foreach (var day in outlet.Days)
            {
                if (Day(day.Date) is not { } date)
                {
                    continue;
                }

                var column = (date.DayNumber - first.DayNumber) / daysPerColumn;
                columns[column] += Total(day);
                marks[column] = Mark(day, marks[column]);
            }

            var max = Math.Max(1, columns.Max());
            var line = string.Concat(columns.Select(c => c == 0 ? ' ' : Bars[Math.Min(Bars.Length - 1, (c * Bars.Length - 1) / max)]));
            output.WriteLine($"  {outlet.SourceId.PadRight(width)}  {line}  {Output.Name(outlet.SourceKind)}");
            output.WriteLine($"  {new string(' ', width)}  {new string(marks).TrimEnd()}");
        }

        output.WriteLine();
        output.WriteLine("Per outlet and day:");
        output.WriteTable(["OUTLET", "DAY", "ACKNOWLEDGES", "DENIES", "DEFLECTS", "DISCUSSES", "OMITS"],
            [.. timeline.Outlets.SelectMany(o => o.Days.Select(d => new[]
            {
                o.SourceId, d.Date, Count(d.Acknowledges), Count(d.Denies), Count(d.Deflects), Count(d.Discusses), Count(d.Omits),
            }))]);
    }

    private static DateOnly? Day(string date) =>
        DateOnly.TryParseExact(date, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out var day) ? day : null;

    private static int Total(TimelineDay day) => day.Acknowledges + day.Denies + day.Deflects + day.Discusses + day.Omits;

    /// <summary>The day's most telling stance; a denial outranks a deflection, an omission, a discussion and an acknowledgement.</summary>
    private static char Mark(TimelineDay day, char current)
    {
        const string rank = "DFOdA ";
        var mark = day.Denies > 0 ? 'D' : day.Deflects > 0 ? 'F' : day.Omits > 0 ? 'O' : day.Discusses > 0 ? 'd' : day.Acknowledges > 0 ? 'A' : ' ';
        return rank.IndexOf(mark, StringComparison.Ordinal) < rank.IndexOf(current, StringComparison.Ordinal) ? mark : current;
    }

    private static string Count(int value) => value == 0 ? "." : value.ToString(CultureInfo.InvariantCulture);
}
