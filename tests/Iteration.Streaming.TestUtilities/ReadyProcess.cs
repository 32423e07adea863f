using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// Starts a server a fixture needs (redis-server, Azurite) and waits until it prints the line that says it listens,
/// keeping everything it prints for the fixture's error messages.
/// </summary>
public static class ReadyProcess
{
    /// <summary>What a fixture's message says when something the tests start or drive is missing.</summary>
    public const string TestCommandHint = "Run ./test.sh from the repository root: it installs what the tests need, then runs them.";

    /// <summary>
    /// Starts <paramref name="start"/>; returns the process once <paramref name="readyLine"/> appears, or null when it
    /// exits first (a port taken, say; its exit code is then the last line of <paramref name="output"/>). Throws when it
    /// cannot run at all, or neither gets ready nor exits within the patience (it is killed then).
    /// </summary>
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
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            // Not executable, or a script whose interpreter is missing: the install is broken, not the port taken.
            process.Dispose();
            throw new InvalidOperationException($"'{start.FileName}' could not be started: {ex.Message}. {TestCommandHint}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        bool isReady;
        try
        {
            isReady = await ready.Task.WithPatience();
        }
        catch (TimeoutException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync().WithPatience();
            process.Dispose();
            throw new TimeoutException(
                $"'{start.FileName}' did not print \"{readyLine}\" within {AsyncTestExtensions.Patience.TotalSeconds} s, and was stopped. Its output:\n{Text(output)}");
        }

        if (isReady)
        {
            return process;
        }

        await process.WaitForExitAsync().WithPatience();
        var exitCode = process.ExitCode;
        process.Dispose();
        lock (output)
        {
            output.AppendLine($"(exited with code {exitCode})");
        }

        // 126 and 127 are env's "cannot run" and "not found" (a script whose interpreter, such as node, is missing):
        // another try cannot help.
        if (exitCode is 126 or 127)
        {
            throw new InvalidOperationException($"'{start.FileName}' could not run (exit code {exitCode}). Its output:\n{Text(output)}{TestCommandHint}");
        }

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

    private static string Text(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
