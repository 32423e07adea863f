using System.Text.Json;

namespace Iteration.Streaming.Packaging.Tests;

/// <summary>
/// The packages under test, packed once for all tests: those in <c>ITERATION_STREAMING_PACKAGES</c> when set (CI packs
/// them before the tests, so the tests check what CI ships), otherwise this test run's builds of <c>src/</c> packed into a
/// temporary folder.
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
