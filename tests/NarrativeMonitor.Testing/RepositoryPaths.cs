namespace NarrativeMonitor.Testing;

/// <summary>Where the checkout the tests were built from lies: the folder holding NarrativeMonitor.sln.</summary>
public static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>The sample corpora folder, samples/.</summary>
    public static string Samples => Path.Combine(Root, "samples");

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "NarrativeMonitor.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("NarrativeMonitor.sln not found above " + AppContext.BaseDirectory);
    }
}
