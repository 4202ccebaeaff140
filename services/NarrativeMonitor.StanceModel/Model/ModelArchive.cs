using System.IO.Compression;
using Microsoft.ML;

namespace NarrativeMonitor.StanceModel.Model;

/// <summary>Zip entries of the model files, written so that the same model gives the same bytes.</summary>
internal static class ModelArchive
{
    /// <summary>ML.NET stamps its zip entries with the current time; rewrite them with a fixed one.</summary>
    public static void SaveTransformer(MLContext ml, ITransformer transformer, DataViewSchema schema, Stream destination)
    {
        using var original = new MemoryStream();
        ml.Model.Save(transformer, schema, original);
        original.Position = 0;
        using var source = new ZipArchive(original, ZipArchiveMode.Read);
        using var target = new ZipArchive(destination, ZipArchiveMode.Create, leaveOpen: true);
        foreach (var entry in source.Entries)
        {
            using var from = entry.Open();
            using var to = Entry(target, entry.FullName, CompressionLevel.SmallestSize);
            from.CopyTo(to);
        }
    }

    /// <summary>A fixed timestamp keeps the model file byte-for-byte reproducible.</summary>
    public static Stream Entry(ZipArchive zip, string name, CompressionLevel level)
    {
        var entry = zip.CreateEntry(name, level);
        entry.LastWriteTime = new DateTimeOffset(2020, 1, 1, 0, 0, 0, TimeSpan.Zero);
        return entry.Open();
    }

    public static Stream Entry(ZipArchive zip, string name) =>
        (zip.GetEntry(name) ?? throw new InvalidDataException($"stance model: missing entry {name}")).Open();

    public static MemoryStream Copy(Stream stream)
    {
        var memory = new MemoryStream();
        using (stream)
        {
            stream.CopyTo(memory);
        }

        memory.Position = 0;
        return memory;
    }
}
