namespace NarrativeMonitor.Contracts;

public enum SourceKind
{
    Unspecified = 0,
    StateMedia = 1,
    Official = 2,
    Wire = 3,
    Independent = 4,
    Analysis = 5,
}

public enum Stance
{
    Unspecified = 0,
    Acknowledges = 1,
    Denies = 2,
    Deflects = 3,
    Discusses = 4,
    Omits = 5,
    Unrelated = 6,
}

public enum AlertKind
{
    Unspecified = 0,
    Denial = 1,
    Deflection = 2,
    Omission = 3,
}

public enum AlertSeverity
{
    Unspecified = 0,
    Low = 1,
    Medium = 2,
    High = 3,
}
