using System.Diagnostics;

namespace Iteration.Streaming.Packaging.Tests;

/// <summary>
/// Builds and runs a small host that takes every package by PackageReference from a folder feed of the packed packages,
/// as a NuGet user would: a package with a broken dependency, a missing asset or an unloadable assembly fails here.
/// </summary>
[Collection(PackagesCollection.Name)]
public sealed class ConsumerAppTests(PackagesFixture fixture) : IDisposable
{
    private readonly DirectoryInfo _work = Directory.CreateTempSubdirectory("iteration-streaming-consumer-");

    [Fact]
    public async Task ConsumerApp_BuiltFromThePackedPackages_RunsAGenerationToCompleted()
    {
        var version = fixture.Packages.Select(p => p.Version).Distinct().Should().ContainSingle().Subject;
        var project = Path.Combine(_work.FullName, "app");
        CopyDirectory(Path.Combine(AppContext.BaseDirectory, "ConsumerApp"), project);
        await FolderFeed.WriteNuGetConfigAsync(project, fixture.PackageFolder, fixture.RepositoryRoot, Path.Combine(_work.FullName, "packages"));
        var clock = Stopwatch.StartNew();

        var (buildExit, buildOutput) = await DotNetCli.RunAsync(
            project,
            ["build", "-c", "Release", $"-p:IterationStreamingVersion={version}", "--disable-build-servers", "-o", Path.Combine(_work.FullName, "out")],
            environment: null,
            TimeSpan.FromMinutes(3));
        buildExit.Should().Be(0, buildOutput);
        var buildTime = clock.Elapsed;

        var (runExit, runOutput) = await DotNetCli.RunAsync(
            project, [Path.Combine(_work.FullName, "out", "Consumer.dll"), Path.Combine(_work.FullName, "data")], environment: null, TimeSpan.FromMinutes(1));

        runExit.Should().Be(0, runOutput);
        runOutput.Should().MatchRegex(@"consumer: completed with [1-9]\d* files; \d+ services registered");
        Console.WriteLine($"Consumer app: built in {buildTime.TotalSeconds:F1} s, ran in {(clock.Elapsed - buildTime).TotalSeconds:F1} s.");
    }

    public void Dispose() => _work.Delete(recursive: true);

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
