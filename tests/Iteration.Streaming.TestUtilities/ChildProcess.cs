using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// Runs a program to its end as a child process (<c>dotnet</c>, <c>npm</c>, <c>node</c>, the sample host stopping at
/// start) and keeps everything it prints, for the test's assertions and its failure messages. For a server a fixture
/// keeps running, see <see cref="ReadyProcess"/>.
/// </summary>
public static class ChildProcess
{
    /// <summary>A start for <paramref name="fileName"/> with <paramref name="arguments"/> in <paramref name="workingDirectory"/>.</summary>
    public static ProcessStartInfo StartInfo(string fileName, string workingDirectory, IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { WorkingDirectory = workingDirectory };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        return start;
    }

    /// <summary>
    /// Runs <paramref name="start"/> (its output redirected here) until it exits. Past <paramref name="timeout"/> it is
    /// killed with its children and a <see cref="TimeoutException"/> says what it printed; a program that cannot start
    /// at all throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public static async Task<ChildProcessResult> RunAsync(ProcessStartInfo start, TimeSpan timeout)
    {
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        var all = new StringBuilder();
        var output = new List<string>();
        var errors = new List<string>();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(errors, e.Data);
        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            throw new InvalidOperationException($"'{start.FileName}' could not be started: {ex.Message}. {ReadyProcess.TestCommandHint}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            // Also waits until both streams are read to their end.
            await process.WaitForExitAsync(cancel.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            throw new TimeoutException($"'{start.FileName} {string.Join(' ', start.ArgumentList)}' did not end within {timeout}. Its output:\n{Text()}");
        }

        lock (all)
        {
            return new ChildProcessResult(process.ExitCode, all.ToString(), [.. output], [.. errors]);
        }

        void Append(List<string> lines, string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (all)
            {
                lines.Add(line);
                all.AppendLine(line);
            }
        }

        string Text()
        {
            lock (all)
            {
                return all.ToString();
            }
        }
    }
}
