using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// A watch set the real server refuses: the client throws <see cref="IterationApiException"/> with the status and the
/// server's detail, which names the entry, and opens no stream.
/// </summary>
public sealed class WatchManyRefusalTests : IAsyncLifetime
{
    private readonly StreamFaults _faults = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o => o.MaxGenerationsPerStream = 3, configureApp: _faults.MapWithFaults);
        _client = _host.CreateIterationClient(TestClients.Patient());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<IterationApiException> RefusedAsync(IEnumerable<GenerationHandle> handles, WatchManyOptions? options = null)
    {
        var act = () => _client.WatchManyAsync(handles, options).CollectAsync();
        return (await act.Should().ThrowAsync<IterationApiException>()).Which;
    }

    [Fact]
    public async Task WatchManyAsync_ForgedToken_ThrowsUnauthorizedNamingTheEntry()
    {
        var good = await _host.CreateGenerationAsync(1, ended: false);
        var other = await _host.CreateGenerationAsync(1, ended: false);

        var error = await RefusedAsync([good, new GenerationHandle(other.GenerationId, good.Token + "x")]);

        error.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        error.Problem!.Detail.Should().Contain($"generations[1] ('{other.GenerationId}')");
        _faults.StreamRequests.Should().Be(0);
    }

    [Fact]
    public async Task WatchManyAsync_TokenOfAnotherGeneration_ThrowsForbiddenNamingTheEntry()
    {
        var a = await _host.CreateGenerationAsync(1, ended: false);
        var b = await _host.CreateGenerationAsync(1, ended: false);

        var error = await RefusedAsync([a, new GenerationHandle(b.GenerationId, a.Token)]);

        error.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        error.Problem!.Detail.Should().Contain($"generations[1] ('{b.GenerationId}')");
    }

    [Fact]
    public async Task WatchManyAsync_UnknownGeneration_ThrowsUnauthorizedNamingTheEntry()
    {
        var known = await _host.CreateGenerationAsync(1, ended: false);
        var unknown = TestEvents.NewId();

        var error = await RefusedAsync([known, new GenerationHandle(unknown, _host.Tokens.IssueToken(unknown))]);

        error.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        error.Problem!.Detail.Should().Contain($"generations[1] ('{unknown}')");
    }

    [Fact]
    public async Task WatchManyAsync_OwnedHandleWithoutAnOwnerResolver_ThrowsUnauthorizedNamingTheEntry()
    {
        var known = await _host.CreateGenerationAsync(1, ended: false);

        var error = await RefusedAsync([GenerationHandle.ForOwner(known.GenerationId)]);

        error.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        error.Problem!.Detail.Should().Contain("generations[0]");
    }

    [Fact]
    public async Task WatchManyAsync_MoreMembersThanTheServerAllows_ThrowsBadRequestSayingTheMaximum()
    {
        var handles = new List<GenerationHandle>();
        for (var i = 0; i < 4; i++)
        {
            handles.Add(await _host.CreateGenerationAsync(1, ended: false));
        }

        var error = await RefusedAsync(handles);

        error.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        error.Message.Should().Contain("at most 3");
    }

    [Fact]
    public async Task WatchManyAsync_TamperedCursor_ThrowsBadRequestFromTheStream()
    {
        var a = await _host.CreateGenerationAsync(1, ended: false);

        var error = await RefusedAsync([a], new WatchManyOptions { LastEventId = "tampered-cursor" });

        error.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        _faults.StreamRequests.Should().Be(1, "a refused cursor is not retried");
    }
}
