using System.Diagnostics;
using System.Text;
using Iteration.Streaming.Tests.Files;

namespace Iteration.Streaming.Tests.Diffs;

/// <summary>
/// A fresh git repository in a temp folder, driven by the real <c>git</c> from PATH with no user or system
/// configuration (so <c>core.autocrlf</c>, signing or a diff tool set on the machine cannot change a result).
/// </summary>
internal sealed class GitRepository : IDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly TempFolder _folder = new();
    private int _patches;

    private GitRepository()
    {
        WorkTree = Path.Combine(_folder.Path, "repo");
        Directory.CreateDirectory(WorkTree);
    }

    /// <summary>The working tree.</summary>
    public string WorkTree { get; }

    public static async Task<GitRepository> CreateAsync()
    {
        var repository = new GitRepository();
        await repository.RunAsync("init", "--quiet", ".").ConfigureAwait(false);
        return repository;
    }

    public void Dispose() => _folder.Dispose();

    /// <summary>Writes <paramref name="text"/> as UTF-8 bytes exactly (no BOM, no line-end conversion).</summary>
    public void WriteFile(string path, string text)
    {
        var full = Path.Combine(WorkTree, path);
        Directory.CreateDirectory(Path.GetDirectoryName(full)!);
        File.WriteAllBytes(full, Utf8.GetBytes(text));
    }

    public void DeleteFile(string path) => File.Delete(Path.Combine(WorkTree, path));

    public byte[] ReadBytes(string path) => File.ReadAllBytes(Path.Combine(WorkTree, path));

    public bool Exists(string path) => File.Exists(Path.Combine(WorkTree, path));

    /// <summary>The working tree's files (not <c>.git</c>) with their bytes, by path with forward slashes.</summary>
    public SortedDictionary<string, byte[]> Files()
    {
        var files = new SortedDictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var file in Directory.EnumerateFiles(WorkTree, "*", SearchOption.AllDirectories))
        {
            var relative = Path.GetRelativePath(WorkTree, file).Replace('\\', '/');
            if (!relative.StartsWith(".git/", StringComparison.Ordinal))
            {
                files[relative] = File.ReadAllBytes(file);
            }
        }

        return files;
    }

    /// <summary>Stages the whole working tree.</summary>
    public Task StageAllAsync() => RunAsync("add", "--all");

    /// <summary>Commits what is staged.</summary>
    public Task CommitAsync() => RunAsync("-c", "user.name=tests", "-c", "user.email=tests@example.invalid", "commit", "--quiet", "--allow-empty", "-m", "state");

    /// <summary>What <c>git diff</c> writes for the staged changes, without its <c>index</c> lines (blob ids).</summary>
    public async Task<string> StagedDiffAsync()
    {
        var result = await RunAsync("diff", "--cached", "--no-renames", "--no-color", "--no-ext-diff").ConfigureAwait(false);
        var lines = result.Output.Split('\n').Where(l => !l.StartsWith("index ", StringComparison.Ordinal));
        return string.Join('\n', lines);
    }

    /// <summary>Runs <c>git apply --check</c> and then <c>git apply</c> on <paramref name="patch"/>; returns the first that fails, or the last.</summary>
    public async Task<GitResult> ApplyAsync(string patch)
    {
        var file = Path.Combine(_folder.Path, $"patch-{++_patches}.diff");
        await File.WriteAllBytesAsync(file, Utf8.GetBytes(patch)).ConfigureAwait(false);
        var check = await RunAllowingFailureAsync("apply", "--check", file).ConfigureAwait(false);
        return check.ExitCode != 0 ? check : await RunAllowingFailureAsync("apply", file).ConfigureAwait(false);
    }

    public async Task<GitResult> RunAsync(params string[] arguments)
    {
        var result = await RunAllowingFailureAsync(arguments).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} exited with {result.ExitCode}: {result.Error}");
        }

        return result;
    }

    public async Task<GitResult> RunAllowingFailureAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("git")
        {
            WorkingDirectory = WorkTree,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = Utf8,
            StandardErrorEncoding = Utf8,
        };
        start.Environment["GIT_CONFIG_NOSYSTEM"] = "1";
        start.Environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        start.Environment["LC_ALL"] = "C";
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.autocrlf=false");
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("core.quotePath=true");
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("git did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(Timeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"git {string.Join(' ', arguments)} did not end within {Timeout}.");
        }

        return new GitResult(process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
