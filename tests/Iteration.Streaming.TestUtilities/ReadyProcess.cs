using System.Diagnostics;
using System.Text;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// Starts a server a fixture needs (redis-server, Azurite) and waits until it prints the line that says it listens,
/// keeping everything it prints for the fixture's error messages.
/// </summary>
public static class ReadyProcess
{
    /// <summary>Starts <paramref name="start"/>; returns the process once <paramref name="readyLine"/> appears, or null when it exits first.</summary>
    public static async Task<Process?> StartAsync(ProcessStartInfo start, string readyLine, StringBuilder output)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var ready = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => OnOutput(e.Data);
        process.ErrorDataReceived += (_, e) => OnOutput(e.Data);
        process.Exited += (_, _) => ready.TrySetResult(false);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        if (await ready.Task.WithPatience())
        {
            return process;
        }

        await process.WaitForExitAsync().WithPatience();
        process.Dispose();
        return null;

        void OnOutput(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (output)
            {
                output.AppendLine(line);
            }

            if (line.Contains(readyLine, StringComparison.Ordinal))
            {
                ready.TrySetResult(true);
            }
        }
    }
}
