using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>Watching a real run on a real Kestrel host, from the start, from a midpoint and after the end.</summary>
public sealed class WatchCompletionTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o => o.RetryInterval = TimeSpan.FromMilliseconds(10));
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<(GenerationHandle Handle, List<StreamingProgressEvent> Events)> RunToEndAsync()
    {
        var handle = await _client.StartAsync("Build a task app", ["User", "Task"]);
        return (handle, await _client.WatchAsync(handle).CollectAsync());
    }

    [Fact]
    public async Task WatchAsync_RealRun_YieldsEveryLoggedEventOnceInOrder_EndingWithTheTerminalEvent()
    {
        var handle = await _client.StartAsync("Build a task app", ["User", "Task"]);

        var events = await _client.WatchAsync(handle).CollectAsync();

        var logged = await _host.LoggedEntriesAsync(handle.GenerationId);
        logged.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, logged.Count).Select(n => (long)n), "the log numbers events contiguously");
        events.Select(e => e.ToWire()).Should().Equal(logged.Select(e => e.Event.ToWire()));
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        events.Take(events.Count - 1).Should().NotContain(e => e.IsTerminal);
        events.Select(e => e.Stage).Should().ContainInOrder(
            GenerationStages.Initializing,
            GenerationStages.PhasedGenerationStarted,
            GenerationStages.PhaseComplete(1),
            GenerationStages.Completed);
        events.Select(e => e.Progress).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task WatchAsync_ByIdAndToken_YieldsTheSameEventsAsByHandle()
    {
        var (handle, byHandle) = await RunToEndAsync();

        var byId = await _client.WatchAsync(handle.GenerationId, handle.Token).CollectAsync();

        byId.Select(e => e.ToWire()).Should().Equal(byHandle.Select(e => e.ToWire()));
    }

    [Fact]
    public async Task WatchAsync_FromAMidpoint_YieldsOnlyTheLaterEvents()
    {
        var (handle, all) = await RunToEndAsync();

        var rest = await _client.WatchAsync(handle, lastEventId: 3).CollectAsync();

        rest.Select(e => e.ToWire()).Should().Equal(all.Skip(3).Select(e => e.ToWire()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    public async Task WatchAsync_FromOrPastTheTerminalEvent_YieldsNothingAndCompletes(int pastTheEnd)
    {
        var (handle, all) = await RunToEndAsync();

        var after = await _client.WatchAsync(handle, lastEventId: all.Count + pastTheEnd).CollectAsync();

        after.Should().BeEmpty("the server answers 204: the client already has the terminal event");
    }

    [Fact]
    public async Task WatchAsync_AheadOfTheLogOfARunningGeneration_ThrowsApiExceptionWith400AndTheServersDetail()
    {
        var (id, token) = await _host.CreateGenerationLogAsync();
        await _host.EventLog.AppendAsync(TestEvents.Progress(id, 0));

        var act = () => _client.WatchAsync(id, token, lastEventId: 5).CollectAsync();

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        thrown.Problem!.Detail.Should().Contain("ahead");
    }
}
