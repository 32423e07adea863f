using System.Diagnostics;

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
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataFolder,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Iteration.Streaming.Sample.Web.dll"));
        foreach (var argument in (string[])
        [
            "--urls=http://127.0.0.1:0",
            $"--IterationStreaming:FileSinkRoot={Path.Combine(dataFolder, "generations")}",
            $"--Sample:Database={Path.Combine(dataFolder, "iteration-streaming.db")}",
            $"--Sample:SigningKeyFile={Path.Combine(dataFolder, "signing-key")}",
            "--Logging:Console:FormatterName=simple",
            .. settings,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        try
        {
            await process.WaitForExitAsync().WithPatience();
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("The sample host did not stop at start:\n" + await output);
        }

        return new SampleExit(process.ExitCode, Lines(await output), Lines(await errors));
    }

    /// <summary>Everything the host wrote, both streams.</summary>
    public string All => string.Join('\n', Output.Concat(Errors));

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
