using System.Net;
using System.Net.Sockets;
using System.Text;

using TestUtilities = Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// Hostile file paths, sent exactly as written (no client-side normalisation): refused, never answered with a file
/// or a 500.
/// </summary>
public sealed class FilePathTests(DefaultHostFixture fixture) : IClassFixture<DefaultHostFixture>
{
    /// <summary>Traversal attempts in every encoding; also used against the file system sink.</summary>
    public static readonly IReadOnlyList<string> HostilePathSamples =
    [
        "../../../../etc/passwd",
        "..%2F..%2F..%2Fetc%2Fpasswd",
        "%2e%2e/%2e%2e/%2e%2e/etc/passwd",
        "%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
        "%252e%252e%252f%252e%252e%252fetc%252fpasswd",
        "..%252f..%252fetc%252fpasswd",
        "..\\..\\..\\etc\\passwd",
        "..%5c..%5c..%5cetc%5cpasswd",
        "..%255c..%255cetc%255cpasswd",
        "src/../../other/file.txt",
        "src/%2e%2e/%2e%2e/other/file.txt",
        "/etc/passwd",
        "%2fetc%2fpasswd",
        "C:%5cWindows%5cwin.ini",
        "C:/Windows/win.ini",
        "src/%00.txt",
        ".%2e/.%2e/etc/passwd",
        "%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    ];

    public static TheoryData<string> HostilePaths => new(HostilePathSamples);

    private KestrelTestHost Host => fixture.Host;

    [Theory]
    [MemberData(nameof(HostilePaths))]
    public async Task GetFile_HostilePath_IsRefused(string path)
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        var (status, body) = await SendRawAsync($"/generations/{id}/files/{path}", token);

        status.Should().BeOneOf([400, 404], body);
        body.Should().NotContain("root:");
    }

    [Theory]
    [MemberData(nameof(TestUtilities.HostilePaths.All), MemberType = typeof(TestUtilities.HostilePaths))]
    public async Task GetFile_EveryPathASinkRefuses_IsNeverServedAsAFile(string path)
    {
        var client = Host.CreateClient();
        var started = await Host.StartGenerationAsync(client);
        using (var stream = await client.GetStreamAsync(started.GenerationId, started.SseToken))
        {
            await stream.ReadAllEventsAsync().WithPatience();
        }

        var escaped = string.Join('/', path.Split('/').Select(Uri.EscapeDataString));
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{started.GenerationId}/files/{escaped}");
        request.Headers.Authorization = new("Bearer", started.SseToken);

        using var response = await client.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        if (response.StatusCode == HttpStatusCode.OK)
        {
            // Only '', '..' and 'src/..': the URL normalises onto the file list or the snapshot, never a file.
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/json", path);
            body.Should().StartWith("{\"generation_id\":", path);
        }
        else
        {
            ((int)response.StatusCode).Should().BeOneOf([400, 404], path);
        }
    }

    [Fact]
    public async Task GetFile_OverlongPath_Answers400()
    {
        var (id, token) = await Host.CreateGenerationLogAsync();
        var (status, _) = await SendRawAsync($"/generations/{id}/files/{new string('a', 300)}", token);

        status.Should().Be(400);
    }

    /// <summary>Sends a request line byte for byte over a socket, so nothing normalises the path on the way.</summary>
    private async Task<(int Status, string Body)> SendRawAsync(string target, string token)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(Host.BaseAddress.Host, Host.BaseAddress.Port);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        var request = $"GET {target} HTTP/1.1\r\nHost: {Host.BaseAddress.Authority}\r\nAuthorization: Bearer {token}\r\nConnection: close\r\n\r\n";
        await stream.WriteAsync(Encoding.Latin1.GetBytes(request));
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var response = await reader.ReadToEndAsync().WaitAsync(AsyncTestExtensions.Patience);
        var status = int.Parse(response.Split(' ', 3)[1], System.Globalization.CultureInfo.InvariantCulture);
        return (status, response);
    }
}
