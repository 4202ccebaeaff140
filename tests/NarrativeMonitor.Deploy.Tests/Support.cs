using System.Diagnostics;
using System.Reflection;
using System.Text;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace NarrativeMonitor.Deploy.Tests;

public static class Repo
{
    public static readonly string Root = FindRoot();

    public static string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "NarrativeMonitor.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"NarrativeMonitor.sln not found above {AppContext.BaseDirectory}");
    }
}

/// <summary>Untyped YAML: mappings are dictionaries with string keys, sequences lists, scalars strings.</summary>
public static class Yaml
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder().Build();

    /// <summary>Every document of a YAML stream; merge keys (&lt;&lt;: *anchor) are expanded.</summary>
    public static IReadOnlyList<Dictionary<string, object?>> LoadAll(string text)
    {
        var documents = new List<Dictionary<string, object?>>();
        var parser = new MergingParser(new Parser(new StringReader(text)));
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            if (Normalize(Deserializer.Deserialize<object?>(parser)) is Dictionary<string, object?> document)
            {
                documents.Add(document);
            }
        }

        return documents;
    }

    public static Dictionary<string, object?> Load(string text) => LoadAll(text).Single();

    /// <summary>Serializes one document back to YAML (for the typed, strict Kubernetes parser).</summary>
    public static string Dump(object document) => new SerializerBuilder().Build().Serialize(document);

    private static object? Normalize(object? value) => value switch
    {
        IDictionary<object, object?> map => map.ToDictionary(e => e.Key.ToString()!, e => Normalize(e.Value)),
        IList<object?> list => list.Select(Normalize).ToList(),
        _ => value,
    };

    public static Dictionary<string, object?>? Map(this Dictionary<string, object?>? node, string key) =>
        node is not null && node.TryGetValue(key, out var value) ? value as Dictionary<string, object?> : null;

    public static IReadOnlyList<Dictionary<string, object?>> Maps(this Dictionary<string, object?>? node, string key) =>
        node is not null && node.TryGetValue(key, out var value) && value is List<object?> list
            ? list.OfType<Dictionary<string, object?>>().ToList()
            : [];

    public static IReadOnlyList<string> Strings(this Dictionary<string, object?>? node, string key) =>
        node is not null && node.TryGetValue(key, out var value) && value is List<object?> list
            ? list.Select(v => v?.ToString() ?? "").ToList()
            : [];

    public static string? Str(this Dictionary<string, object?>? node, string key) =>
        node is not null && node.TryGetValue(key, out var value) && value is not (Dictionary<string, object?> or List<object?>) ? value?.ToString() : null;

    /// <summary>A dotted path of mapping keys, e.g. "spec.template.spec".</summary>
    public static Dictionary<string, object?>? At(this Dictionary<string, object?>? node, string path) =>
        path.Split('.').Aggregate(node, (current, key) => current.Map(key));

    public static string Kind(this Dictionary<string, object?> document) => document.Str("kind") ?? "";

    public static string Name(this Dictionary<string, object?> document) => document.Map("metadata").Str("name") ?? "";

    public static string Describe(this Dictionary<string, object?> document) => $"{document.Kind()}/{document.Name()}";
}

public static class Kubectl
{
    private const string InstallHint =
        "kubectl with kustomize v5 is needed to render deploy/k8s. It ships on this project's machine image (package " +
        "`kubectl`, /usr/bin/kubectl). Elsewhere install kubectl >= 1.27 (https://kubernetes.io/docs/tasks/tools/), or " +
        "set NM_KUBECTL to its path. Debian's `kubernetes-client` (1.20) embeds kustomize v2, which cannot render these " +
        "overlays.";

    private static readonly Lazy<string> Executable = new(Find);

    public static string Kustomize(string directory)
    {
        var (exit, stdout, stderr) = Run(Executable.Value, "kustomize", directory);
        Assert.True(exit == 0, $"kubectl kustomize {directory} failed ({exit}):\n{stderr}");
        return stdout;
    }

    private static string Find()
    {
        var configured = Environment.GetEnvironmentVariable("NM_KUBECTL");
        var candidates = string.IsNullOrEmpty(configured)
            ? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator).Select(dir => Path.Combine(dir, "kubectl"))
            : [configured];
        var found = candidates.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("kubectl not found. " + InstallHint);
        var (exit, stdout, stderr) = Run(found, "version", "--client");
        var match = System.Text.RegularExpressions.Regex.Match(stdout, @"Kustomize Version: v(\d+)\.");
        if (exit != 0 || !match.Success || int.Parse(match.Groups[1].Value) < 5)
        {
            throw new InvalidOperationException($"{found} does not embed kustomize v5 (`kubectl version --client` said: {stdout}{stderr}). " + InstallHint);
        }

        return found;
    }

    private static (int Exit, string Stdout, string Stderr) Run(string file, params string[] args)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish in 2 minutes");
        }

        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}

/// <summary>The options classes the services bind, found by their SectionName constant, as "Section__Key" names.</summary>
public static class OptionsKeys
{
    public static readonly Assembly[] ServiceAssemblies =
    [
        typeof(ServiceDefaults.StorageOptions).Assembly,
        typeof(Ingest.IngestOptions).Assembly,
        typeof(Classification.ClassificationOptions).Assembly,
        typeof(Alerts.AlertOptions).Assembly,
        typeof(Dashboard.DashboardOptions).Assembly,
    ];

    public static readonly IReadOnlyDictionary<string, Type> Sections = FindSections();

    public static readonly IReadOnlySet<string> All = Sections
        .SelectMany(section => Keys(section.Key.Replace(":", "__", StringComparison.Ordinal), section.Value))
        .ToHashSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Keys of an options class: its properties, those of nested option objects, and list items as index 0.</summary>
    private static IEnumerable<string> Keys(string prefix, Type type)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
        {
            var key = $"{prefix}__{property.Name}";
            yield return key;
            var item = property.PropertyType.IsGenericType && property.PropertyType.GetGenericTypeDefinition() == typeof(List<>)
                ? property.PropertyType.GetGenericArguments()[0]
                : null;
            if (item is not null)
            {
                key += "__0";
                yield return key;
            }

            var nested = item ?? property.PropertyType;
            if (nested.IsClass && nested != typeof(string) && nested.Namespace?.StartsWith("NarrativeMonitor", StringComparison.Ordinal) == true)
            {
                foreach (var inner in Keys(key, nested))
                {
                    yield return inner;
                }
            }
        }
    }

    /// <summary>Variables read by the runtime, Kestrel or the OpenTelemetry SDK rather than by an options class.</summary>
    public static bool IsPlatformVariable(string name) =>
        name.StartsWith("OTEL_", StringComparison.Ordinal) || name.StartsWith("DOTNET_", StringComparison.Ordinal)
        || name.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || name.StartsWith("Kestrel__", StringComparison.Ordinal);

    /// <summary>Why <paramref name="name"/> is not a setting the services read, or null when it is.</summary>
    public static string? Problem(string name)
    {
        if (IsPlatformVariable(name))
        {
            return null;
        }

        if (!name.Contains("__", StringComparison.Ordinal))
        {
            return $"{name}: neither Section__Key of an options class nor an OTEL_/DOTNET_/ASPNETCORE_ variable";
        }

        var normalized = System.Text.RegularExpressions.Regex.Replace(name, @"__\d+(?=__|$)", "__0");
        return All.Contains(normalized) ? null : $"{name}: no such key; options keys are {string.Join(", ", All.Order())}";
    }

    private static Dictionary<string, Type> FindSections()
    {
        var sections = new Dictionary<string, Type>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in ServiceAssemblies.Distinct().SelectMany(a => a.GetExportedTypes()))
        {
            if (type.GetField("SectionName", BindingFlags.Public | BindingFlags.Static) is { IsLiteral: true } field
                && field.GetRawConstantValue() is string section)
            {
                sections.Add(section, type);
            }
        }

        return sections;
    }
}

public static class Text
{
    public static string Lines(IEnumerable<string> lines)
    {
        var builder = new StringBuilder();
        foreach (var line in lines)
        {
            builder.AppendLine(line);
        }

        return builder.ToString();
    }
}
