using NarrativeMonitor.Classifier;

namespace NarrativeMonitor.Classification.Tests;

/// <summary>Claims the tests classify against.</summary>
internal static class Claims
{
    public static readonly ClaimDefinition DprkTroops = new(
        "dprk-troops-kursk",
        "North Korean troops are fighting alongside Russian forces in Kursk Oblast",
        "fighting in Russia's Kursk Oblast",
        ["North Korean", "North Korea", "DPRK", "Pyongyang", "КНДР", "северокорейск"],
        ["Kursk", "Курск", "Sudzha", "Суджа"]);

    public static readonly ClaimDefinition GrainExports = new(
        "grain-exports-odesa",
        "Ukrainian grain exports through the Odesa ports recovered to pre-war volumes",
        "Black Sea grain shipping",
        ["grain corridor", "зерновой коридор"],
        ["Odesa", "Одесса"]);

    /// <summary>A claim without keywords: only its statement and topic point to it.</summary>
    public static readonly ClaimDefinition BridgeStrike = new(
        "crimea-bridge-strike",
        "A Ukrainian naval drone damaged the Crimean bridge",
        "attacks on the Crimean bridge",
        [],
        []);
}
