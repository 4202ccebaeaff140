using System.Diagnostics;

namespace NarrativeMonitor.Cli.Client;

/// <summary>
/// A one-line progress bar redrawn in place, at most ten times a second; a no-op unless enabled (the caller enables it
/// only when stdout is a terminal, so logs and pipes never see carriage returns).
/// </summary>
public sealed class ProgressBar(TextWriter output, string unit, int total, bool enabled) : IProgress<int>
{
    private const int Width = 30;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan? _lastDrawn;
    private int _lastLength;

    public void Report(int done)
    {
        if (!enabled || (_lastDrawn is { } last && _clock.Elapsed - last < TimeSpan.FromMilliseconds(100) && done < total))
        {
            return;
        }

        _lastDrawn = _clock.Elapsed;
        var filled = total <= 0 ? 0 : (int)Math.Round(Width * Math.Min(1.0, (double)done / total));
        var rate = done / Math.Max(0.001, _clock.Elapsed.TotalSeconds);
        var line = $"[{new string('#', filled)}{new string('.', Width - filled)}] {done}/{total} {unit}  {rate:F0}/s";
        output.Write("\r" + line.PadRight(_lastLength));
        _lastLength = line.Length;
    }

    /// <summary>Clears the bar so what follows starts on a clean line.</summary>
    public void Done()
    {
        if (enabled && _lastLength > 0)
        {
            output.Write("\r" + new string(' ', _lastLength) + "\r");
            output.Flush();
        }
    }
}
