using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>
/// The sample host in a child process (<c>dotnet Iteration.Streaming.Sample.Web.dll</c>) on a fixed port and data folder,
/// so it can be killed with a real signal and started again on the same data.
/// </summary>
public sealed class SampleProcess : IAsyncDisposable
{
    private const int SigTerm = 15;
    private readonly Process _process;
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<string> _output = [];

    private SampleProcess(Process process) => _process = process;

    public IReadOnlyList<string> Output
    {
        get
        {
            lock (_output)
            {
                return [.. _output];
            }
        }
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Starts the host and returns once it listens.</summary>
    public static async Task<SampleProcess> StartAsync(string dataFolder, int port, params string[] settings)
    {
        var dll = Path.Combine(AppContext.BaseDirectory, "Iteration.Streaming.Sample.Web.dll");
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = dataFolder,
        };
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(dll);
        foreach (var argument in (string[])
        [
            $"--urls=http://127.0.0.1:{port}",
            $"--IterationStreaming:FileSinkRoot={Path.Combine(dataFolder, "generations")}",
            $"--Sample:Database={Path.Combine(dataFolder, "iteration-streaming.db")}",
            $"--Sample:SigningKeyFile={Path.Combine(dataFolder, "signing-key")}",
            "--Sample:StartsPerMinute=100000",
            "--Logging:Console:FormatterName=simple",
            .. settings,
        ])
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var sample = new SampleProcess(process);
        process.OutputDataReceived += (_, e) => sample.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => sample.OnLine(e.Data);
        process.Exited += (_, _) => sample._ready.TrySetException(new InvalidOperationException(
            "The sample host exited before it listened:\n" + string.Join('\n', sample.Output)));
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await sample._ready.Task.WithPatience();
        return sample;
    }

    /// <summary>SIGKILL: the process dies at once, mid-write if it was writing.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync().WithPatience();
    }

    /// <summary>SIGTERM: the host stops gracefully (a deploy) and exits.</summary>
    public async Task TerminateAsync()
    {
        if (SendSignal(_process.Id, SigTerm) != 0)
        {
            throw new InvalidOperationException($"kill -TERM {_process.Id} failed with errno {Marshal.GetLastWin32Error()}.");
        }

        await _process.WaitForExitAsync().WithPatience();
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Add(line);
        }

        if (line.Contains("Iteration.Streaming sample is running", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }

#pragma warning disable SYSLIB1054 // LibraryImport would need unsafe code for one test-only call.
    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);
#pragma warning restore SYSLIB1054
}
