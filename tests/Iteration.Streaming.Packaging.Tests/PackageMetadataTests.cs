using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace Iteration.Streaming.Packaging.Tests;

[Collection(PackagesCollection.Name)]
public sealed partial class PackageMetadataTests(PackagesFixture fixture)
{
    private const string RepositoryUrl = "https://github.com/iteration-streaming/iteration-streaming";
    private static readonly Guid SourceLinkKind = new("CC110556-A091-4D38-9FEC-25AB9A351A6A");

    [Fact]
    public void SolutionFilter_EveryProjectUnderSrc_IsPacked()
    {
        var underSrc = Directory.GetFiles(Path.Combine(fixture.RepositoryRoot, "src"), "*.csproj", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(fixture.RepositoryRoot, p).Replace('\\', '/'))
            .Order(StringComparer.Ordinal);

        fixture.FilteredProjects().Order(StringComparer.Ordinal).Should().Equal(underSrc);
    }

    [Fact]
    public void Pack_EveryFilteredProject_GivesOnePackage()
    {
        var expected = fixture.FilteredProjects().Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal);

        fixture.Packages.Select(p => p.Id).Should().Equal(expected);
    }

    [Fact]
    public void Nuspec_EveryPackage_NamesRepositoryUrlAndCommit()
    {
        fixture.Packages.Should().AllSatisfy(package =>
        {
            var repository = package.MetadataElement("repository");
            repository.Should().NotBeNull(package.Id);
            ((string?)repository!.Attribute("type")).Should().Be("git", package.Id);
            ((string?)repository.Attribute("url")).Should().Be(RepositoryUrl, package.Id);
            ((string?)repository.Attribute("commit")).Should().MatchRegex("^[0-9a-f]{40}$", package.Id);
            package.Metadata("projectUrl").Should().Be(RepositoryUrl, package.Id);
            package.Metadata("description").Should().NotBeNullOrWhiteSpace(package.Id);
            package.Metadata("license").Should().Be("MIT", package.Id);
        });
    }

    [Fact]
    public void Nupkg_EveryPackage_ShipsIconReadmeAndXmlDocs()
    {
        fixture.Packages.Should().AllSatisfy(package =>
        {
            package.Metadata("icon").Should().Be("icon.png", package.Id);
            package.Metadata("readme").Should().Be("README.md", package.Id);
            var entries = package.Entries();
            entries.Should().Contain(["icon.png", "README.md", $"lib/net10.0/{package.Id}.dll", $"lib/net10.0/{package.Id}.xml"], package.Id);
            package.ReadEntry("icon.png").Take(8).Should().Equal([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A], "the icon of {0} is a PNG", package.Id);
        });
    }

    [Fact]
    public void Snupkg_EveryPackage_HasThePdbOfItsAssemblyWithSourceLinkToTheCommit()
    {
        fixture.Packages.Should().AllSatisfy(package =>
        {
            package.SymbolsPath.Should().NotBeNull($"{package.Id} needs a symbol package");
            var commit = (string)package.MetadataElement("repository")!.Attribute("commit")!;
            using var assembly = new PEReader(new MemoryStream(package.ReadEntry($"lib/net10.0/{package.Id}.dll")));
            using var pdb = MetadataReaderProvider.FromPortablePdbStream(new MemoryStream(package.ReadSymbolsEntry($"lib/net10.0/{package.Id}.pdb")));
            var reader = pdb.GetMetadataReader();

            var codeView = assembly.ReadCodeViewDebugDirectoryData(assembly.ReadDebugDirectory().Single(e => e.Type == DebugDirectoryEntryType.CodeView));
            new Guid(reader.DebugMetadataHeader!.Id.Take(16).ToArray()).Should().Be(codeView.Guid, "the PDB of {0} belongs to its DLL", package.Id);

            var documents = SourceLinkDocuments(reader);
            documents.Should().NotBeEmpty($"{package.Id}'s PDB maps its sources");
            documents.Values.Should().AllSatisfy(url =>
                url.Should().StartWith($"https://raw.githubusercontent.com/iteration-streaming/iteration-streaming/{commit}/", package.Id));
        });
    }

    [Fact]
    public void Dll_EveryPackage_IsBuiltDeterministically()
    {
        fixture.Packages.Should().AllSatisfy(package =>
        {
            using var assembly = new PEReader(new MemoryStream(package.ReadEntry($"lib/net10.0/{package.Id}.dll")));

            assembly.ReadDebugDirectory().Should().Contain(e => e.Type == DebugDirectoryEntryType.Reproducible, package.Id);
        });
    }

    [Fact]
    public void Dependencies_EveryPackage_UsesEachPackageItDependsOn()
    {
        fixture.Packages.Should().AllSatisfy(package =>
        {
            var referenced = ReferencedAssemblies(package);

            // Each dependency ships an assembly of its own name; one the DLL never references is a dependency nobody uses.
            // (The abstractions package has none: AllSatisfy would refuse its empty list.)
            package.DependencyIds().Except(referenced).Should().BeEmpty($"{package.Id} references the assembly of every package it depends on");
        });
    }

    [Fact]
    public void Dependencies_ClientPackage_DependsOnTheAbstractionsAndNotOnTheEngine()
    {
        var client = fixture.Packages.Should().ContainSingle(p => p.Id == "Iteration.Streaming.Client").Subject;

        client.DependencyIds().Should().Contain("Iteration.Streaming.Abstractions")
            .And.NotContain("Iteration.Streaming")
            .And.OnlyContain(id => id == "Iteration.Streaming.Abstractions" || id.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
        ReferencedAssemblies(client).Should().NotContain("Iteration.Streaming");
    }

    [Fact]
    public void Dependencies_AbstractionsPackage_DependsOnNothing()
    {
        var abstractions = fixture.Packages.Should().ContainSingle(p => p.Id == "Iteration.Streaming.Abstractions").Subject;

        abstractions.DependencyIds().Should().BeEmpty();
        ReferencedAssemblies(abstractions).Should().OnlyContain(name => name.StartsWith("System.", StringComparison.Ordinal));
    }

    [Fact]
    public void Dependencies_EnginePackage_DependsOnTheAbstractions()
    {
        var engine = fixture.Packages.Should().ContainSingle(p => p.Id == "Iteration.Streaming").Subject;

        engine.DependencyIds().Should().Contain("Iteration.Streaming.Abstractions");
    }

    private static HashSet<string> ReferencedAssemblies(PackedPackage package)
    {
        using var assembly = new PEReader(new MemoryStream(package.ReadEntry($"lib/net10.0/{package.Id}.dll")));
        var metadata = assembly.GetMetadataReader();
        return metadata.AssemblyReferences.Select(h => metadata.GetString(metadata.GetAssemblyReference(h).Name)).ToHashSet(StringComparer.Ordinal);
    }

    private static Dictionary<string, string> SourceLinkDocuments(MetadataReader reader)
    {
        foreach (var handle in reader.GetCustomDebugInformation(EntityHandle.ModuleDefinition))
        {
            var information = reader.GetCustomDebugInformation(handle);
            if (reader.GetGuid(information.Kind) == SourceLinkKind)
            {
                using var json = JsonDocument.Parse(reader.GetBlobBytes(information.Value));
                return json.RootElement.GetProperty("documents").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!);
            }
        }

        return [];
    }
}
