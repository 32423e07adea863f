using Iteration.Streaming.Client.Tests.Infrastructure;

namespace Iteration.Streaming.Client.Tests.Live;

/// <summary>Bad arguments to GetLiveAsync are refused before any request (nothing listens on the client's port).</summary>
public sealed class LiveArgumentTests : IDisposable
{
    private readonly HttpClient _http = new() { BaseAddress = Watching.WatchCancellationTests.ClosedPort() };
    private readonly IterationClient _client;

    public LiveArgumentTests() => _client = new IterationClient(_http);

    public void Dispose() => _http.Dispose();

    [Fact]
    public async Task GetLiveAsync_NullHandle_ThrowsNamingIt()
    {
        var act = () => _client.GetLiveAsync(null!);

        await act.Should().ThrowAsync<ArgumentNullException>().WithParameterName("handle");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("../archive")]
    [InlineData("a b")]
    public async Task GetLiveAsync_BadGenerationId_ThrowsArgumentException(string? id)
    {
        var act = () => _client.GetLiveAsync(id!, "token");

        await act.Should().ThrowAsync<ArgumentException>().WithParameterName("generationId");
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("bad token\r\nX-Evil: 1")]
    public async Task GetLiveAsync_BadToken_ThrowsArgumentException(string? token)
    {
        var act = () => _client.GetLiveAsync(TestEvents.NewId(), token!);

        await act.Should().ThrowAsync<ArgumentException>().WithParameterName(nameof(token));
    }
}
