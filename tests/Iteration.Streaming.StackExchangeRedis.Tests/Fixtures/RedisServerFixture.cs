using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Iteration.Streaming.TestUtilities;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>
/// Starts a real <c>redis-server</c> on a free loopback port, without automatic persistence, for the whole test
/// collection, and kills it at the end. Fails (never skips), naming <c>./test.sh</c>, when <c>redis-server</c> is not
/// installed. Tests may restart the process mid-test (<see cref="RestartAsync"/>), keeping its data (a snapshot saved
/// first) or not.
/// </summary>
public sealed class RedisServerFixture : IAsyncLifetime
{
    private const string ReadyLine = "Ready to accept connections";
    private readonly StringBuilder _output = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "iteration-streaming-redis-" + Guid.NewGuid().ToString("N")[..12]);
    private string? _executable;
    private Process? _process;

    public int Port { get; private set; }

    /// <summary>The StackExchange.Redis configuration string of the server.</summary>
    public string Configuration => $"127.0.0.1:{Port}";

    /// <summary>
    /// The configuration for clients of tests that stop the server: they reconnect within half a second of its return
    /// (the default backs off for seconds), and a command sent into a dead connection gives up after 2 seconds (a command
    /// waiting in the backlog for a connection times out after the sync timeout, so both are set).
    /// </summary>
    public string QuickReconnectConfiguration => $"{Configuration},connectTimeout=500,asyncTimeout=2000,syncTimeout=2000";

    /// <summary>A connection for inspecting the server (INFO, CLIENT LIST, raw reads) from tests.</summary>
    public ConnectionMultiplexer Admin { get; private set; } = null!;

    public IDatabase Database => Admin.GetDatabase();

    public IServer Server => Admin.GetServer(IPAddress.Loopback, Port);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(_dataDirectory);
        var executable = _executable = FindOnPath("redis-server") ?? throw new InvalidOperationException(
            "redis-server is not installed: the Redis tests run against a real server. "
            + $"{ReadyProcess.TestCommandHint} (Or install only it: sudo apt-get install -y --no-install-recommends redis-server.)");

        // A port found free can be taken before redis binds it; then the server exits and another port is tried.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            if (await TryStartAsync(executable))
            {
                break;
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"redis-server did not start on port {Port}. Its output:\n{Output()}");
            }
        }

        Admin = await ConnectWhenAnsweringAsync();
    }

    /// <summary>
    /// Stops the server process and starts it again on the same port. With <paramref name="keepData"/> it shuts down
    /// saving a snapshot that the new process loads (a restart with persistence: every acknowledged write kept); without,
    /// it is killed (as in a crash) and the new process starts empty. Returns once it accepts connections; clients reconnect on their own.
    /// </summary>
    public async Task RestartAsync(bool keepData)
    {
        await StopAsync(keepData);
        await StartAgainAsync();
    }

    /// <summary>
    /// Stops the server process: with <paramref name="keepData"/> it shuts down saving a snapshot (every acknowledged write
    /// kept); without, it is killed and comes back empty. <see cref="StartAgainAsync"/> brings it back.
    /// </summary>
    public async Task StopAsync(bool keepData)
    {
        var snapshot = Path.Combine(_dataDirectory, "dump.rdb");
        if (keepData)
        {
            // SHUTDOWN SAVE: the server saves and exits in one step, so no write is acknowledged after the snapshot (a
            // SAVE and then a kill would lose the writes between them). The connection drops as the server exits.
            try
            {
                await Database.ExecuteAsync("SHUTDOWN", "SAVE");
            }
            catch (RedisException)
            {
            }

            await _process!.WaitForExitAsync().WithPatience();
        }
        else if (File.Exists(snapshot))
        {
            File.Delete(snapshot);
        }

        var process = _process!;
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
        }

        await process.WaitForExitAsync().WithPatience();
        process.Dispose();
        _process = null;
    }

    /// <summary>Starts the server again on the same port after <see cref="StopAsync"/>, and waits until it answers.</summary>
    public async Task StartAgainAsync()
    {
        if (!await TryStartAsync(_executable!))
        {
            throw new InvalidOperationException($"redis-server did not start again on port {Port}. Its output:\n{Output()}");
        }

        await Eventually.TrueAsync(async () =>
        {
            try
            {
                await Database.PingAsync();
                return true;
            }
            catch (RedisException)
            {
                return false;
            }
        });
    }

    public async Task DisposeAsync()
    {
        if (Admin is not null)
        {
            await Admin.CloseAsync(allowCommandsToComplete: false);
            Admin.Dispose();
        }

        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync().WithPatience();
        }

        _process?.Dispose();
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }

    /// <summary>Reads one numeric field of <c>INFO</c> (for example <c>blocked_clients</c>).</summary>
    public async Task<long> InfoValueAsync(string section, string field)
    {
        var text = (string)(await Database.ExecuteAsync("INFO", section))!;
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith(field + ":", StringComparison.Ordinal))
            {
                return long.Parse(line[(field.Length + 1)..], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>How many times a command ran (<c>INFO commandstats</c>).</summary>
    public async Task<long> CommandCallsAsync(string command)
    {
        var text = (string)(await Database.ExecuteAsync("INFO", "commandstats"))!;
        var prefix = $"cmdstat_{command.ToLowerInvariant()}:calls=";
        foreach (var line in text.Split('\n', StringSplitOptions.TrimEntries))
        {
            if (line.StartsWith(prefix, StringComparison.Ordinal))
            {
                return long.Parse(line[prefix.Length..line.IndexOf(',', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        return 0;
    }

    /// <summary>The connected clients whose name starts with <paramref name="namePrefix"/>.</summary>
    public async Task<ClientInfo[]> ClientsAsync(string namePrefix) =>
        (await Server.ClientListAsync()).Where(c => c.Name?.StartsWith(namePrefix, StringComparison.Ordinal) == true).ToArray();

    private async Task<bool> TryStartAsync(string executable)
    {
        var start = new ProcessStartInfo(executable);
        foreach (var argument in new[] { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", string.Empty, "--appendonly", "no", "--daemonize", "no", "--dir", _dataDirectory, "--dbfilename", "dump.rdb" })
        {
            start.ArgumentList.Add(argument);
        }

        _process = await ReadyProcess.StartAsync(start, ReadyLine, _output);
        return _process is not null;
    }

    private async Task<ConnectionMultiplexer> ConnectWhenAnsweringAsync()
    {
        // The server said it listens; poll PING until it answers (each try is a real round trip, no sleeping).
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                var admin = await ConnectionMultiplexer.ConnectAsync($"{Configuration},allowAdmin=true,abortConnect=true,connectTimeout=500");
                await admin.GetDatabase().PingAsync();
                return admin;
            }
            catch (RedisConnectionException) when (deadline.Elapsed < AsyncTestExtensions.Patience)
            {
            }
        }
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static string? FindOnPath(string name)
    {
        var directories = (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/bin", "/usr/local/bin", "/usr/sbin"]);
        return directories.Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);
    }
}
