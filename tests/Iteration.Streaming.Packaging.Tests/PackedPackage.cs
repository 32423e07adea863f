using System.IO.Compression;
using System.Xml.Linq;

namespace Iteration.Streaming.Packaging.Tests;

/// <summary>One packed <c>.nupkg</c>, its nuspec and the <c>.snupkg</c> beside it (when there is one).</summary>
public sealed class PackedPackage
{
    private PackedPackage(string path, XDocument nuspec)
    {
        Path = path;
        Nuspec = nuspec;
        Id = Metadata("id") ?? throw new InvalidDataException($"{path} has no id.");
        Version = Metadata("version") ?? throw new InvalidDataException($"{path} has no version.");
        var symbols = System.IO.Path.ChangeExtension(path, ".snupkg");
        SymbolsPath = File.Exists(symbols) ? symbols : null;
    }

    public string Path { get; }

    public string? SymbolsPath { get; }

    public string Id { get; }

    public string Version { get; }

    public XDocument Nuspec { get; }

    public XElement? MetadataElement(string name) =>
        Nuspec.Root!.Elements().First(e => e.Name.LocalName == "metadata").Elements().FirstOrDefault(e => e.Name.LocalName == name);

    public string? Metadata(string name) => MetadataElement(name)?.Value;

    /// <summary>The ids of the packages this one depends on, across its target frameworks.</summary>
    public IReadOnlyList<string> DependencyIds() =>
        MetadataElement("dependencies")?.Descendants().Where(e => e.Name.LocalName == "dependency").Select(e => (string)e.Attribute("id")!).Distinct().ToList()
        ?? [];

    public IReadOnlyList<string> Entries()
    {
        using var zip = ZipFile.OpenRead(Path);
        return zip.Entries.Select(e => e.FullName).ToList();
    }

    public byte[] ReadEntry(string fullName) => ReadEntry(Path, fullName);

    public byte[] ReadSymbolsEntry(string fullName) => ReadEntry(SymbolsPath ?? throw new InvalidOperationException($"{Id} has no symbol package."), fullName);

    public static PackedPackage Open(string path)
    {
        using var zip = ZipFile.OpenRead(path);
        var entry = zip.Entries.Single(e => !e.FullName.Contains('/', StringComparison.Ordinal) && e.FullName.EndsWith(".nuspec", StringComparison.OrdinalIgnoreCase));
        using var stream = entry.Open();
        return new PackedPackage(path, XDocument.Load(stream));
    }

    private static byte[] ReadEntry(string zipPath, string fullName)
    {
        using var zip = ZipFile.OpenRead(zipPath);
        var entry = zip.GetEntry(fullName) ?? throw new FileNotFoundException($"{fullName} is not in {zipPath}.");
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    public override string ToString() => $"{Id} {Version}";
}
