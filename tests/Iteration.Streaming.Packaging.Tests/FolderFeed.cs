using System.Xml.Linq;

namespace Iteration.Streaming.Packaging.Tests;

/// <summary>
/// A <c>nuget.config</c> for an app built from the packed packages: the packed folder first, for our ids only; everything
/// else from the repository's own sources. Packages restore into a folder of the test (so no older build of the same
/// version in the machine's cache is taken for ours), falling back to the machine's cache for the third-party packages
/// the repository has restored already.
/// </summary>
internal static class FolderFeed
{
    public static async Task WriteNuGetConfigAsync(string project, string packageFolder, string repositoryRoot, string globalPackagesFolder)
    {
        var repositoryConfig = XDocument.Load(Path.Combine(repositoryRoot, "nuget.config"));
        var sources = repositoryConfig.Descendants("packageSources").Elements("add")
            .Select(e => (Key: (string)e.Attribute("key")!, Value: (string)e.Attribute("value")!))
            .ToList();
        var (_, locals) = await DotNetCli.RunAsync(project, ["nuget", "locals", "global-packages", "--list"], environment: null, TimeSpan.FromMinutes(1));
        var machineCache = locals.Split(':', 2)[1].Trim();

        var config = new XElement("configuration",
            new XElement("config", Add("globalPackagesFolder", globalPackagesFolder)),
            new XElement("fallbackPackageFolders", new XElement("clear"), Add("machine", machineCache)),
            new XElement("packageSources", new XElement("clear"), Add("packed", packageFolder), sources.Select(s => Add(s.Key, s.Value))),
            new XElement("packageSourceMapping",
                new XElement("packageSource", new XAttribute("key", "packed"), Pattern("Iteration.Streaming"), Pattern("Iteration.Streaming.*")),
                sources.Select(s => new XElement("packageSource", new XAttribute("key", s.Key), Pattern("*")))));
        await File.WriteAllTextAsync(Path.Combine(project, "nuget.config"), config.ToString());

        static XElement Add(string key, string value) => new("add", new XAttribute("key", key), new XAttribute("value", value));
        static XElement Pattern(string pattern) => new("package", new XAttribute("pattern", pattern));
    }
}
