using Google.Protobuf.Reflection;
using NarrativeMonitor.Protos.Ingest.V1;

namespace NarrativeMonitor.Fuzz.Tests;

/// <summary>Which of the three hosts serves a method.</summary>
public enum ServiceHost
{
    Ingest,
    Classification,
    Alerts,
}

/// <summary>One gRPC method of the product, as the generated descriptors describe it.</summary>
public sealed record GrpcMethod(MethodDescriptor Descriptor, ServiceHost Host)
{
    public string Path => $"/{Descriptor.Service.FullName}/{Descriptor.Name}";
    public string Name => $"{Descriptor.Service.Name}/{Descriptor.Name}";
    public MessageDescriptor Input => Descriptor.InputType;
    public bool ClientStreaming => Descriptor.IsClientStreaming;
    public bool ServerStreaming => Descriptor.IsServerStreaming;
    public override string ToString() => Name;
}

public static class GrpcMethods
{
    /// <summary>
    /// Every method of every service compiled into NarrativeMonitor.Protos, found through the generated file descriptors,
    /// so a method added to a proto is fuzzed without touching this test.
    /// </summary>
    public static IReadOnlyList<GrpcMethod> All { get; } = Discover();

    private static List<GrpcMethod> Discover()
    {
        var files = typeof(IngestService).Assembly.GetTypes()
            .Select(t => t.GetProperty("Descriptor", System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.Static))
            .Where(p => p?.PropertyType == typeof(FileDescriptor))
            .Select(p => (FileDescriptor)p!.GetValue(null)!)
            .DistinctBy(f => f.Name);
        return files
            .SelectMany(f => f.Services)
            .SelectMany(s => s.Methods)
            .Select(m => new GrpcMethod(m, HostOf(m.Service)))
            .OrderBy(m => m.Path, StringComparer.Ordinal)
            .ToList();
    }

    private static ServiceHost HostOf(ServiceDescriptor service) => service.File.Package switch
    {
        "narrativemonitor.ingest.v1" => ServiceHost.Ingest,
        "narrativemonitor.classification.v1" => ServiceHost.Classification,
        "narrativemonitor.alerts.v1" => ServiceHost.Alerts,
        // Every service serves the error-queue API for its own consumers; classification's has queues to read.
        "narrativemonitor.admin.v1" => ServiceHost.Classification,
        var package => throw new InvalidOperationException(
            $"No host serves package {package} ({service.FullName}): teach GrpcMethods.HostOf and FuzzCluster which service hosts it."),
    };
}
