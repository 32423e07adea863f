namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// The sample host run as a user runs it (<c>dotnet Iteration.Streaming.Sample.Web.dll</c>) with settings that stop it at
/// start: its exit code and what it wrote to standard output and standard error, each line by line.
/// </summary>
public sealed record SampleExit(int ExitCode, IReadOnlyList<string> Output, IReadOnlyList<string> Errors)
{
    /// <summary>Runs the host in <paramref name="dataFolder"/> with its data there, plus <paramref name="settings"/>, until it exits.</summary>
    public static async Task<SampleExit> RunAsync(string dataFolder, params string[] settings)
    {
        var start = ChildProcess.StartInfo("dotnet", dataFolder, [
            "exec",
            Path.Combine(AppContext.BaseDirectory, "Iteration.Streaming.Sample.Web.dll"),
            "--urls=http://127.0.0.1:0",
            $"--IterationStreaming:FileSinkRoot={Path.Combine(dataFolder, "generations")}",
            $"--Sample:Database={Path.Combine(dataFolder, "iteration-streaming.db")}",
            $"--Sample:SigningKeyFile={Path.Combine(dataFolder, "signing-key")}",
            "--Logging:Console:FormatterName=simple",
            .. settings,
        ]);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var result = await ChildProcess.RunAsync(start, AsyncTestExtensions.Patience);
        return new SampleExit(result.ExitCode, Lines(result.StandardOutput), Lines(result.StandardError));
    }

    /// <summary>Everything the host wrote, both streams.</summary>
    public string All => string.Join('\n', Output.Concat(Errors));

    private static string[] Lines(IEnumerable<string> lines) => lines.Select(l => l.Trim()).Where(l => l.Length > 0).ToArray();
}
