using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;

namespace Iteration.Streaming.Client.Tests.Requests;

/// <summary>Errors that depend on runs in progress: 409 for a running parent, 503 when the queue is full.</summary>
public sealed class RunningParentTests : IAsyncLifetime
{
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.MaxConcurrentGenerations = 1;
                o.MaxQueuedGenerations = 0;
            },
            generator: _generator);
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task IterateAsync_ParentStillRunning_Throws409()
    {
        var parent = await _client.StartAsync("Build a task app", ["User"]);
        await _generator.NextPhaseAsync();

        var act = () => _client.IterateAsync(parent, "Add due dates");

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.Conflict);
        thrown.Problem!.Detail.Should().Contain(parent.GenerationId);
    }

    [Fact]
    public async Task StartAsync_NoRoomToQueue_Throws503()
    {
        await _client.StartAsync("Build a task app", ["User"]);
        await _generator.NextPhaseAsync();

        var act = () => _client.StartAsync("Another app");

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        thrown.Problem!.Detail.Should().NotBeNullOrWhiteSpace();
    }
}
