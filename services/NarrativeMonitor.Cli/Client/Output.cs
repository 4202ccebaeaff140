using System.Globalization;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;

namespace NarrativeMonitor.Cli.Client;

/// <summary>Tables for people, protobuf JSON for scripts, and the parsing of times and durations on the command line.</summary>
public static class Output
{
    private static readonly JsonFormatter Formatter = new(JsonFormatter.Settings.Default);

    public static string ToJson(IMessage message) => Formatter.Format(message);

    /// <summary>One JSON document per message, one per line.</summary>
    public static void WriteJsonLines<T>(this ClientContext context, IEnumerable<T> messages) where T : IMessage
    {
        foreach (var message in messages)
        {
            context.Output.WriteLine(ToJson(message));
        }
    }

    public static void WriteTable(this TextWriter output, IReadOnlyList<string> header, IReadOnlyList<IReadOnlyList<string>> rows, string empty = "None.")
    {
        if (rows.Count == 0)
        {
            output.WriteLine(empty);
            return;
        }

        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        output.WriteLine(string.Join("  ", header.Select((h, i) => h.PadRight(widths[i]))).TrimEnd());
        output.WriteLine(string.Join("  ", widths.Select(w => new string('-', w))));
        foreach (var row in rows)
        {
            output.WriteLine(string.Join("  ", row.Select((c, i) => c.PadRight(widths[i]))).TrimEnd());
        }
    }

    /// <summary>"2024-11-05 09:30" (UTC), or "-" when unset.</summary>
    public static string Short(Timestamp? time) =>
        time is null ? "-" : time.ToDateTimeOffset().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>An enum value as the proto spells it without its prefix, lower case: ALERT_STATE_OPEN is "open".</summary>
    public static string Name<TEnum>(TEnum value) where TEnum : struct, System.Enum
    {
        var original = typeof(TEnum).GetField(value.ToString())?
            .GetCustomAttributes(typeof(Google.Protobuf.Reflection.OriginalNameAttribute), false)
            .OfType<Google.Protobuf.Reflection.OriginalNameAttribute>().FirstOrDefault()?.Name;
        if (original is null)
        {
            return value.ToString().ToLowerInvariant();
        }

        var prefix = System.Text.RegularExpressions.Regex.Replace(typeof(TEnum).Name, "(?<=[a-z])(?=[A-Z])", "_").ToUpperInvariant() + "_";
        return (original.StartsWith(prefix, StringComparison.Ordinal) ? original[prefix.Length..] : original).ToLowerInvariant();
    }

    /// <summary>Parses an enum from its short proto name ("state_media", "open"), for options.</summary>
    public static TEnum ParseName<TEnum>(string value, string option) where TEnum : struct, System.Enum
    {
        var names = System.Enum.GetValues<TEnum>().Where(v => Convert.ToInt32(v, CultureInfo.InvariantCulture) != 0).ToList();
        foreach (var candidate in names)
        {
            if (string.Equals(Name(candidate), value.Replace('-', '_'), StringComparison.OrdinalIgnoreCase))
            {
                return candidate;
            }
        }

        throw new UsageException($"{option}: '{value}' is not one of {string.Join(", ", names.Select(Name))}");
    }

    /// <summary>"7d", "36h", "90m", "30s" or a .NET TimeSpan ("14.00:00:00").</summary>
    public static TimeSpan ParseDuration(string value, string option)
    {
        var text = value.Trim();
        if (text.Length > 1 && double.TryParse(text[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var amount) && amount > 0)
        {
            TimeSpan? parsed = char.ToLowerInvariant(text[^1]) switch
            {
                'd' => TimeSpan.FromDays(amount),
                'h' => TimeSpan.FromHours(amount),
                'm' => TimeSpan.FromMinutes(amount),
                's' => TimeSpan.FromSeconds(amount),
                _ => null,
            };
            if (parsed is { } duration)
            {
                return duration;
            }
        }

        if (TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out var span) && span > TimeSpan.Zero)
        {
            return span;
        }

        throw new UsageException($"{option}: '{value}' is not a positive duration like 7d, 36h, 90m or 14.00:00:00");
    }

    /// <summary>An RFC 3339 time, a UTC date (2024-11-05), or a duration back from now (7d: a week ago).</summary>
    public static DateTimeOffset ParseTime(string value, string option, TimeProvider? clock = null)
    {
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
        {
            return time;
        }

        try
        {
            return (clock ?? TimeProvider.System).GetUtcNow() - ParseDuration(value, option);
        }
        catch (UsageException)
        {
            throw new UsageException($"{option}: '{value}' is not a time (2024-11-05T09:30:00Z), a date (2024-11-05) or an age (7d, 12h)");
        }
    }
}
