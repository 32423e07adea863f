namespace Iteration.Streaming.Packaging.Tests;

/// <summary>Runs the <c>dotnet</c> CLI as a child process and returns its exit code and combined output.</summary>
internal static class DotNetCli
{
    public static async Task<(int ExitCode, string Output)> RunAsync(
        string workingDirectory, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout)
    {
        var start = ChildProcess.StartInfo("dotnet", workingDirectory, arguments);

        // The test host runs under `dotnet test`, whose MSBuild variables would steer the child build to the wrong SDK paths.
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var result = await ChildProcess.RunAsync(start, timeout);
        return (result.ExitCode, result.Output);
    }
}
