using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace NarrativeMonitor.ServiceDefaults;

/// <summary>The activity source and meter of NarrativeMonitor's own spans and instruments.</summary>
public static class Telemetry
{
    public const string ActivitySourceName = "NarrativeMonitor";
    public const string MeterName = "NarrativeMonitor";

    public static readonly ActivitySource ActivitySource = new(ActivitySourceName);
    public static readonly Meter Meter = new(MeterName);
}
