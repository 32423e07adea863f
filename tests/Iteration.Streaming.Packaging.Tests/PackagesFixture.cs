using System.Text.Json;

namespace Iteration.Streaming.Packaging.Tests;

/// <summary>
/// The packages under test, packed once for all tests. <c>./test.sh</c> (and so CI) packs them as they ship (Release,
/// <c>ContinuousIntegrationBuild</c>) into <c>artifacts/packages</c> and names that folder in
/// <c>ITERATION_STREAMING_PACKAGES</c>, so the tests check what ships. Without the variable (plain <c>dotnet test</c>) the
/// fixture packs this test run's own builds of <c>src/</c> into a temporary folder, so the tests never read packages left
/// from an earlier build. A variable naming a folder without packages is an error, not an empty set that tests pass on.
/// </summary>
public sealed class PackagesFixture : IAsyncLifetime
{
    public const string PackagesVariable = "ITERATION_STREAMING_PACKAGES";
    public const string SolutionFilter = "Iteration.Streaming.Packages.slnf";

#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private string? _ownedFolder;

    public string RepositoryRoot { get; } = FindRepositoryRoot();

    public string PackageFolder { get; private set; } = string.Empty;

    public IReadOnlyList<PackedPackage> Packages { get; private set; } = [];

    /// <summary>The projects the solution filter packs, as paths relative to the repository root with '/' separators.</summary>
    public IReadOnlyList<string> FilteredProjects()
    {
        using var filter = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryRoot, SolutionFilter)));
        return filter.RootElement.GetProperty("solution").GetProperty("projects").EnumerateArray()
            .Select(p => p.GetString()!.Replace('\\', '/'))
            .ToList();
    }

    public async Task InitializeAsync()
    {
        var given = Environment.GetEnvironmentVariable(PackagesVariable);
        if (!string.IsNullOrWhiteSpace(given))
        {
            PackageFolder = Path.GetFullPath(given);
            if (!Directory.Exists(PackageFolder) || Directory.GetFiles(PackageFolder, "*.nupkg").Length == 0)
            {
                throw new InvalidOperationException(
                    $"{PackagesVariable} names '{PackageFolder}', which holds no .nupkg. Pack into it first "
                    + $"(dotnet pack {SolutionFilter} -c Release -o <folder>; ./test.sh does), or unset it and the tests pack this build themselves.");
            }
        }
        else
        {
            PackageFolder = _ownedFolder = Directory.CreateTempSubdirectory("iteration-streaming-packages-").FullName;
            var (exitCode, output) = await DotNetCli.RunAsync(
                RepositoryRoot,
                ["pack", SolutionFilter, "-c", Configuration, "--no-build", "--no-restore", "-o", PackageFolder, "--disable-build-servers"],
                environment: null,
                TimeSpan.FromMinutes(3));
            if (exitCode != 0)
            {
                throw new InvalidOperationException($"dotnet pack failed ({exitCode}):\n{output}");
            }
        }

        Packages = Directory.GetFiles(PackageFolder, "*.nupkg").Order(StringComparer.Ordinal).Select(PackedPackage.Open).ToList();
    }

    public Task DisposeAsync()
    {
        if (_ownedFolder is not null)
        {
            Directory.Delete(_ownedFolder, recursive: true);
        }

        return Task.CompletedTask;
    }

    private static string FindRepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, SolutionFilter)))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No {SolutionFilter} above {AppContext.BaseDirectory}.");
    }
}

[CollectionDefinition(Name)]
public sealed class PackagesCollection : ICollectionFixture<PackagesFixture>
{
    public const string Name = "Packed packages";
}
