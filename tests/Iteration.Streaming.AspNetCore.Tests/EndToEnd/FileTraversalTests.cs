using System.Net.Sockets;
using System.Text;
using Iteration.Streaming.AspNetCore.Tests.Endpoints;

namespace Iteration.Streaming.AspNetCore.Tests.EndToEnd;

/// <summary>
/// The file system sink with secrets planted around a generation's folder: no path form reaches them.
/// </summary>
public sealed class FileTraversalTests : IAsyncLifetime
{
    private const string Secret = "TOP-SECRET-OUTSIDE-THE-GENERATION";

    private readonly string _root = Path.Combine(Path.GetTempPath(), "iteration-streaming-traversal-" + Guid.NewGuid().ToString("N"));
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        var sinkRoot = Path.Combine(_root, "generations");
        Directory.CreateDirectory(sinkRoot);
        await File.WriteAllTextAsync(Path.Combine(_root, "secret.txt"), Secret);
        await File.WriteAllTextAsync(Path.Combine(sinkRoot, "secret.txt"), Secret);
        _host = await KestrelTestHost.StartAsync(fileSinkRoot: sinkRoot);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync()
    {
        await _host.DisposeAsync();
        Directory.Delete(_root, recursive: true);
    }

    private async Task<Contracts.GenerationStartedResponse> CompletedGenerationAsync()
    {
        var started = await _host.StartGenerationAsync(_client);
        using var stream = await _client.GetStreamAsync(started.GenerationId, started.SseToken);
        await stream.ReadAllEventsAsync().WithPatience();
        return started;
    }

    [Fact]
    public async Task GetFile_AListedPath_IsServedFromDisk()
    {
        var started = await CompletedGenerationAsync();

        var (status, body) = await SendRawAsync($"/generations/{started.GenerationId}/files/{InstantPhaseGenerator.PathOf(1, 1)}", started.SseToken);

        status.Should().Be(200);
        body.Should().EndWith(InstantPhaseGenerator.ContentOf(started.GenerationId, 1, 1));
    }

    [Fact]
    public async Task GetFile_HostilePaths_NeverReachAFileOutsideTheGeneration()
    {
        var started = await CompletedGenerationAsync();
        var other = await CompletedGenerationAsync();
        await File.WriteAllTextAsync(Path.Combine(_root, "generations", started.GenerationId, "planted.txt"), Secret);
        var targets = FilePathTests.HostilePathSamples
            .Concat(
            [
                "../secret.txt",
                "../../secret.txt",
                "%2e%2e/secret.txt",
                "%2e%2e%2fsecret.txt",
                "%252e%252e%252fsecret.txt",
                "..%5csecret.txt",
                "..\\secret.txt",
                "planted.txt",
                "manifest.json",
                $"../{other.GenerationId}/{InstantPhaseGenerator.PathOf(1, 1)}",
                $"%2e%2e/{other.GenerationId}/{InstantPhaseGenerator.PathOf(1, 1)}",
                $"{_root}/secret.txt".TrimStart('/'),
            ]);

        foreach (var path in targets)
        {
            var (status, body) = await SendRawAsync($"/generations/{started.GenerationId}/files/{path}", started.SseToken);

            status.Should().BeOneOf([400, 404], path);
            body.Should().NotContain(Secret, path).And.NotContain(other.GenerationId, path);
        }
    }

    private async Task<(int Status, string Body)> SendRawAsync(string target, string token)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(_host.BaseAddress.Host, _host.BaseAddress.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = $"GET {target} HTTP/1.1\r\nHost: {_host.BaseAddress.Authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(AsyncTestExtensions.Patience);
        return (int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture), response);
    }
}
