using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.LoadTest.Server;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// A server child process (this same program with <c>--server</c>) and the HTTP client that drives its control API.
/// Disposing it closes the child's standard input, which stops it; it is killed if it does not stop in time.
/// </summary>
internal sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;

    private ServerProcess(Process process, Uri baseAddress, Uri? http2Address)
    {
        _process = process;
        BaseAddress = baseAddress;
        Http2Address = http2Address;
        EndPoint = new IPEndPoint(IPAddress.Loopback, baseAddress.Port);
        Http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 128,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = TimeSpan.FromMinutes(3),
        };
    }

    public Uri BaseAddress { get; }

    public IPEndPoint EndPoint { get; }

    /// <summary>The server's HTTP/2-only (h2c) endpoint, when it has one.</summary>
    public Uri? Http2Address { get; }

    public HttpClient Http { get; }

    public int ProcessId => _process.Id;

    public static async Task<ServerProcess> StartAsync(string name, string? redis = null, params string[] extraArguments)
    {
        var (fileName, prefix) = SelfCommand();
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = false,
            UseShellExecute = false,
        };
        foreach (var arg in prefix)
        {
            start.ArgumentList.Add(arg);
        }

        start.ArgumentList.Add("--server");
        start.ArgumentList.Add("--port");
        start.ArgumentList.Add("0");
        start.ArgumentList.Add("--instance");
        start.ArgumentList.Add(name);
        if (redis is not null)
        {
            start.ArgumentList.Add("--redis");
            start.ArgumentList.Add(redis);
        }

        foreach (var arg in extraArguments)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["DOTNET_gcServer"] = "1";
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the server process.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        Uri? http2 = null;
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                ?? throw new InvalidOperationException("The server process ended before it listened.");
            if (line.StartsWith("H2C ", StringComparison.Ordinal))
            {
                http2 = new Uri(line["H2C ".Length..].Trim());
            }
            else if (line.StartsWith("LISTENING ", StringComparison.Ordinal))
            {
                var address = line["LISTENING ".Length..].Trim();
                _ = DrainAsync(process);
                return new ServerProcess(process, new Uri(address.EndsWith('/') ? address : address + "/"), http2);
            }
        }
    }

    public async Task<CreatedGeneration[]> CreateAsync(string system, int count, int prefill = 0, int payloadBytes = 0)
    {
        using var response = await Http.PostAsJsonAsync("control/create", new CreateRequest(system, count, prefill, payloadBytes), ControlJson.Options);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<CreatedGeneration[]>(ControlJson.Options))!;
    }

    public async Task<ProduceResult> ProduceAsync(ProduceRequest request, CancellationToken cancellationToken = default)
    {
        using var response = await Http.PostAsJsonAsync("control/produce", request, ControlJson.Options, cancellationToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ProduceResult>(ControlJson.Options, cancellationToken))!;
    }

    public async Task EndAsync(string system, string[] ids)
    {
        using var response = await Http.PostAsJsonAsync("control/end", new ProduceRequest(system, ids), ControlJson.Options);
        response.EnsureSuccessStatusCode();
    }

    /// <summary>
    /// Names a watch set (<c>POST /generations/watch</c>, each generation with its stream token) and returns its watch
    /// token; a refusal throws with the server's status and problem detail.
    /// </summary>
    public async Task<string> WatchAsync(IReadOnlyList<CreatedGeneration> generations, CancellationToken cancellationToken = default)
    {
        var request = new GenerationWatchRequest
        {
            Generations = generations.Select(g => new GenerationWatchMember { Id = g.Id, Token = g.Token }).ToArray(),
        };
        using var response = await Http.PostAsJsonAsync("generations/watch", request, IterationStreamingJson.GenerationWatchRequest, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var detail = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new HttpRequestException($"POST /generations/watch answered {(int)response.StatusCode}: {detail[..Math.Min(300, detail.Length)]}");
        }

        var body = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationWatchResponse, cancellationToken);
        return body?.WatchToken ?? throw new HttpRequestException("POST /generations/watch answered without a watch token.");
    }

    /// <summary>How many of <paramref name="ids"/> still have an event log on the server.</summary>
    public async Task<int> ExistingAsync(string[] ids)
    {
        using var response = await Http.PostAsJsonAsync("control/exists", new ProduceRequest(Systems.Ours, ids), ControlJson.Options);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<int>(ControlJson.Options);
    }

    /// <summary>
    /// Polls until the server counts at least <paramref name="expected"/> subscribers of <paramref name="system"/> (every
    /// stream registered before anything is published), or <paramref name="deadline"/>.
    /// </summary>
    public async Task WaitForSubscribersAsync(string system, Func<long> expected, CancellationToken deadline)
    {
        while (!deadline.IsCancellationRequested)
        {
            var stats = await StatsAsync(system);
            if (stats.Subscribers >= expected())
            {
                return;
            }

            await Task.Delay(50, CancellationToken.None);
        }
    }

    public async Task<ServerStats> StatsAsync(string system) =>
        (await Http.GetFromJsonAsync<ServerStats>($"control/stats?system={system}", ControlJson.Options))!;

    public async Task<ServerStats> CollectAsync(string system)
    {
        using var response = await Http.PostAsync($"control/gc?system={system}", null);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync<ServerStats>(ControlJson.Options))!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        try
        {
            _process.StandardInput.Close();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill();
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
    }

    /// <summary>How to run this program again: its apphost, or <c>dotnet</c> with its assembly.</summary>
    private static (string FileName, string[] Prefix) SelfCommand()
    {
        var path = Environment.ProcessPath ?? throw new InvalidOperationException("The process path is unknown.");
        return Path.GetFileNameWithoutExtension(path).Equals("dotnet", StringComparison.OrdinalIgnoreCase)
            ? (path, [typeof(ServerProcess).Assembly.Location])
            : (path, []);
    }

    private static async Task DrainAsync(Process process)
    {
        try
        {
            while (await process.StandardOutput.ReadLineAsync() is { } line)
            {
                Console.Error.WriteLine("  [server] " + line);
            }
        }
        catch (IOException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
    }
}
