using System.Text.Json;

namespace Iteration.Streaming.AspNetCore.Tests.OpenApi;

/// <summary>
/// A real OpenAPI client generator, <c>@hey-api/openapi-ts</c> with <c>typescript</c> (versions pinned in
/// <c>OpenApi/package-lock.json</c>), installed by <c>npm ci</c> into <c>~/.cache/iteration-streaming/openapi-generator</c>
/// (outside the repository, as Azurite is) when it is not there yet: about 50 MB, some 15 s once. Needs Node.js 20.9+
/// and npm. <see cref="RunAsync"/> runs <c>generated-client.cjs</c>, which generates, compiles and calls the client.
/// </summary>
public sealed class OpenApiGeneratorFixture : IAsyncLifetime
{
    private static readonly string Source = Path.Combine(AppContext.BaseDirectory, "OpenApi");

    public string Directory { get; } = Path.Combine(
        Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
        "iteration-streaming",
        "openapi-generator");

    public async Task InitializeAsync()
    {
        var lockFile = Path.Combine(Source, "package-lock.json");
        var installedLock = Path.Combine(Directory, "package-lock.json");
        if (File.Exists(Path.Combine(Directory, "node_modules", "@hey-api", "openapi-ts", "package.json"))
            && File.Exists(installedLock)
            && (await File.ReadAllTextAsync(installedLock)).Equals(await File.ReadAllTextAsync(lockFile), StringComparison.Ordinal))
        {
            return;
        }

        System.IO.Directory.CreateDirectory(Directory);
        File.Copy(Path.Combine(Source, "package.json"), Path.Combine(Directory, "package.json"), overwrite: true);
        File.Copy(lockFile, installedLock, overwrite: true);
        var (exit, output) = await RunProcessAsync("npm", ["ci", "--no-audit", "--no-fund"], Directory, environment: null, TimeSpan.FromMinutes(5));
        if (exit != 0)
        {
            throw new InvalidOperationException(
                $"Installing the OpenAPI client generator with 'npm ci' in {Directory} failed (exit {exit}); Node.js 20.9+ and npm with access to the npm registry are needed. Its output:\n{output}");
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>Generates a client from <paramref name="baseAddress"/>'s document and drives one generation through it.</summary>
    public async Task<JsonElement> RunAsync(Uri baseAddress, string filePath)
    {
        var work = Path.Combine(Path.GetTempPath(), "iteration-streaming-openapi-" + Guid.NewGuid().ToString("N")[..12]);
        System.IO.Directory.CreateDirectory(work);
        try
        {
            var (exit, output) = await RunProcessAsync(
                "node",
                [Path.Combine(Source, "generated-client.cjs"), baseAddress.ToString(), work, filePath],
                work,
                new Dictionary<string, string> { ["NODE_PATH"] = Path.Combine(Directory, "node_modules") },
                TimeSpan.FromMinutes(2));
            exit.Should().Be(0, output);
            var last = output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Last(l => l.StartsWith('{'));
            return JsonDocument.Parse(last).RootElement.Clone();
        }
        finally
        {
            System.IO.Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<(int ExitCode, string Output)> RunProcessAsync(
        string fileName, string[] arguments, string workingDirectory, Dictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = ChildProcess.StartInfo(fileName, workingDirectory, arguments);
        foreach (var (name, value) in environment ?? [])
        {
            start.Environment[name] = value;
        }

        var result = await ChildProcess.RunAsync(start, timeout);
        return (result.ExitCode, result.Output);
    }
}
