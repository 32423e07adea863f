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
/// Starts a real Azurite blob service (<c>azurite-blob</c>, installed by <c>npm ci</c> in this project's <c>azurite</c>
/// folder) on a free loopback port, keeping its data in memory, for the whole test collection, and kills it
/// at the end. Fails (never skips) when Azurite is not installed.
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
        var executable = FindExecutable() ?? throw new InvalidOperationException(
            "Azurite is not installed, and the blob storage tests run against it. Install it with "
            + "'npm ci' in tests/Iteration.Streaming.Azure.Storage.Blobs.Tests/azurite, or as .ci/run does (into ~/.cache/iteration-streaming/azurite; "
            + "Node.js and npm are needed), "
            + "and run the tests again.");
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

    private static string? FindExecutable()
    {
        var directory = typeof(AzuriteFixture).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "AzuriteDirectory")?.Value;
        var local = directory is null ? null : Path.Combine(directory, "node_modules", ".bin", "azurite-blob");
        if (local is not null && File.Exists(local))
        {
            return local;
        }

        // Where .ci/run installs it (outside the repository, so no third-party files sit under tests/).
        var cache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg
            ? xdg
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        var cached = Path.Combine(cache, "iteration-streaming", "azurite", "node_modules", ".bin", "azurite-blob");
        if (File.Exists(cached))
        {
            return cached;
        }

        return (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "azurite-blob"))
            .FirstOrDefault(File.Exists);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
