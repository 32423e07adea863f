using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.Fixtures;

/// <summary>
/// Starts a real Azurite blob service (<c>azurite-blob</c>, which <c>./test.sh</c> installs into the user's cache at the
/// version this project's <c>azurite/package-lock.json</c> pins) on a free loopback port, keeping its data in memory, for
/// the whole test collection, and kills it at the end. Fails (never skips) with one message naming <c>./test.sh</c> when
/// Azurite is not installed, or the cached one was installed from another lock.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    public const string AccountName = "devstoreaccount1";

    // Azurite's published development account key: the emulator accepts only it. Not a secret.
    public const string AccountKey = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const string ReadyLine = "successfully listens";
    private readonly StringBuilder _output = new();
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "iteration-streaming-azurite-" + Guid.NewGuid().ToString("N")[..12]);
    private Process? _process;

    public int Port { get; private set; }

    public string ConnectionString => ConnectionStringFor(Port);

    public Uri ServiceUri => new($"http://127.0.0.1:{Port.ToString(CultureInfo.InvariantCulture)}/{AccountName}");

    /// <summary>A connection string for the development account at <paramref name="port"/> (nothing may listen there).</summary>
    public static string ConnectionStringFor(int port) =>
        $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};BlobEndpoint=http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/{AccountName};";

    /// <summary>
    /// A client of the service with fast, bounded retries (<paramref name="maxRetries"/>, 1 ms apart), going through
    /// <paramref name="handler"/> when given (to inject faults at the HTTP layer).
    /// </summary>
    public BlobServiceClient CreateClient(HttpMessageHandler? handler = null, int maxRetries = 0, int? port = null)
    {
        var options = new BlobClientOptions();
        options.Retry.MaxRetries = maxRetries;
        options.Retry.Mode = RetryMode.Fixed;
        options.Retry.Delay = TimeSpan.FromMilliseconds(1);
        options.Retry.NetworkTimeout = TimeSpan.FromSeconds(20);
        if (handler is not null)
        {
            options.Transport = new HttpClientTransport(new HttpClient(handler, disposeHandler: false));
        }

        return new BlobServiceClient(ConnectionStringFor(port ?? Port), options);
    }

    /// <summary>A container name no other test uses.</summary>
    public static string NewContainerName() => "t" + Guid.NewGuid().ToString("N");

    public async Task InitializeAsync()
    {
        var executable = FindExecutable();
        Directory.CreateDirectory(_dataDirectory);

        // A port found free can be taken before Azurite binds it; then it exits and another port is tried.
        for (var attempt = 1; ; attempt++)
        {
            Port = FreePort();
            if (await TryStartAsync(executable))
            {
                break;
            }

            if (attempt == 3)
            {
                throw new InvalidOperationException($"Azurite did not start on port {Port}. Its output:\n{Output()}");
            }
        }

        // It says it listens; one real request confirms that it answers.
        await CreateClient(maxRetries: 3).GetBlobContainerClient("probe").ExistsAsync().WithPatience();
    }

    public async Task DisposeAsync()
    {
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

    private async Task<bool> TryStartAsync(string executable)
    {
        var start = new ProcessStartInfo(executable) { WorkingDirectory = _dataDirectory };
        foreach (var argument in new[]
        {
            "--blobHost", "127.0.0.1", "--blobPort", Port.ToString(CultureInfo.InvariantCulture), "--inMemoryPersistence",
            "--silent", "--disableTelemetry", "--skipApiVersionCheck", "--loose",
        })
        {
            start.ArgumentList.Add(argument);
        }

        _process = await ReadyProcess.StartAsync(start, ReadyLine, _output);
        return _process is not null;
    }

    private string Output()
    {
        lock (_output)
        {
            return _output.ToString();
        }
    }

    /// <summary>
    /// Azurite from this project's <c>azurite</c> folder (after <c>npm ci</c> there), else from the user's cache where
    /// <c>./test.sh</c> puts it, else from PATH; otherwise throws the one message every blob test then shows.
    /// </summary>
    private static string FindExecutable()
    {
        var directory = typeof(AzuriteFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AzuriteDirectory")?.Value;
        if (directory is not null && File.Exists(Path.Combine(directory, "node_modules", ".bin", "azurite-blob")))
        {
            return Path.Combine(directory, "node_modules", ".bin", "azurite-blob");
        }

        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var cacheDirectory = Path.Combine(cache, "iteration-streaming", "azurite");
        var cached = Path.Combine(cacheDirectory, "node_modules", ".bin", "azurite-blob");
        if (File.Exists(cached))
        {
            // After a version bump the cached Azurite is the old one until ./test.sh installs the new (it compares the locks).
            var lockFile = directory is null ? null : Path.Combine(directory, "package-lock.json");
            var cachedLock = Path.Combine(cacheDirectory, "package-lock.json");
            if (lockFile is not null && File.Exists(lockFile) && File.Exists(cachedLock) && File.ReadAllText(lockFile) != File.ReadAllText(cachedLock))
            {
                throw new InvalidOperationException(
                    $"The Azurite in {cacheDirectory} was installed from another package-lock.json than {lockFile} pins. {ReadyProcess.TestCommandHint}");
            }

            return cached;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "azurite-blob"))
            .FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException(
                $"Azurite (the Azure Storage emulator the blob tests run against) is not installed: not in {cacheDirectory} nor on PATH. "
                + $"{ReadyProcess.TestCommandHint} (Node.js and npm are needed.)");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
