namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// The JavaScript client installed as its README says, with no registry: <c>npm pack</c> in the package folder makes the
/// tarball, and <c>npm install --offline &lt;tarball&gt;</c> puts it into a fresh front-end project's <c>node_modules</c>.
/// Shared by a test class (packing and installing take a few seconds); the project folder is deleted afterwards.
/// </summary>
public sealed class ClientTarball : IAsyncLifetime
{
    public string ProjectFolder { get; private set; } = null!;

    /// <summary>Where the installed package is: <c>node_modules/iteration-streaming-client</c> of the project.</summary>
    public string InstalledPackage => Path.Combine(ProjectFolder, "node_modules", "iteration-streaming-client");

    public async Task InitializeAsync()
    {
        var work = Directory.CreateTempSubdirectory("iteration-client-tarball-").FullName;
        var packed = (await NpmAsync(RepositoryPaths.ClientPackage, "pack", "--pack-destination", work)).Trim().Split('\n')[^1].Trim();
        ProjectFolder = Path.Combine(work, "app");
        Directory.CreateDirectory(ProjectFolder);
        await File.WriteAllTextAsync(Path.Combine(ProjectFolder, "package.json"), """{ "name": "app", "private": true, "type": "module" }""");
        await NpmAsync(ProjectFolder, "install", "--offline", "--no-audit", "--no-fund", Path.Combine(work, packed));
    }

    public Task DisposeAsync()
    {
        Directory.Delete(Path.GetDirectoryName(ProjectFolder)!, recursive: true);
        return Task.CompletedTask;
    }

    private static async Task<string> NpmAsync(string folder, params string[] arguments)
    {
        var start = ChildProcess.StartInfo("npm", folder, arguments);
        start.Environment["npm_config_update_notifier"] = "false";
        var result = await ChildProcess.RunAsync(start, TimeSpan.FromMinutes(2));
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"npm {string.Join(' ', arguments)} failed ({result.ExitCode}):\n{result.Output}");
        }

        return string.Join('\n', result.StandardOutput);
    }
}
