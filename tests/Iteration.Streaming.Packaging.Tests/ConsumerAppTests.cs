using System.Diagnostics;
using System.Xml.Linq;

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
        await WriteNuGetConfigAsync(project);
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

    /// <summary>
    /// The packed folder first, for our ids only; everything else from the repository's own sources. Packages restore into
    /// a folder of this test (so no older build of the same version in the machine's cache is taken for ours), falling
    /// back to the machine's cache for the third-party packages the repository has restored already.
    /// </summary>
    private async Task WriteNuGetConfigAsync(string project)
    {
        var repositoryConfig = XDocument.Load(Path.Combine(fixture.RepositoryRoot, "nuget.config"));
        var sources = repositoryConfig.Descendants("packageSources").Elements("add")
            .Select(e => (Key: (string)e.Attribute("key")!, Value: (string)e.Attribute("value")!))
            .ToList();
        var (_, locals) = await DotNetCli.RunAsync(project, ["nuget", "locals", "global-packages", "--list"], environment: null, TimeSpan.FromMinutes(1));
        var machineCache = locals.Split(':', 2)[1].Trim();

        var config = new XElement("configuration",
            new XElement("config", Add("globalPackagesFolder", Path.Combine(_work.FullName, "packages"))),
            new XElement("fallbackPackageFolders", new XElement("clear"), Add("machine", machineCache)),
            new XElement("packageSources", new XElement("clear"), Add("packed", fixture.PackageFolder), sources.Select(s => Add(s.Key, s.Value))),
            new XElement("packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "packed"), Pattern("Iteration.Streaming"), Pattern("Iteration.Streaming.*")),
                sources.Select(s => new XElement("packageSource", new XAttribute("key", s.Key), Pattern("*")))));
        await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), config.ToString());

        static XElement Add(string key, string value) => new("add", new XAttribute("key", key), new XAttribute("value", value));
        static XElement Pattern(string pattern) => new("package", new XAttribute("pattern", pattern));
    }

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
