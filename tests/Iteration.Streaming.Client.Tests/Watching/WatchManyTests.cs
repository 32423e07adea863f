using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Watching;

/// <summary>
/// Many generations over one multiplexed stream of the real server on Kestrel: each member's events arrive complete,
/// in its own order and once, over a single connection, and the watch ends after the last terminal event.
/// </summary>
public sealed class WatchManyTests : IAsyncLifetime
{
    private readonly StreamFaults _faults = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o => o.RetryInterval = TimeSpan.FromMilliseconds(1), configureApp: _faults.MapWithFaults);
        _client = _host.CreateIterationClient(TestClients.Patient());
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task WatchManyAsync_EightEndedGenerationsFromStart_YieldsEachOnesWholeLogInOrderOverOneConnection()
    {
        var handles = new List<GenerationHandle>();
        for (var i = 0; i < 8; i++)
        {
            handles.Add(await _host.CreateGenerationAsync(progressEvents: 5 + i, ended: true));
        }

        var received = await _client.WatchManyAsync(handles, new WatchManyOptions { From = WatchManyFrom.Start }).CollectAsync();

        var byGeneration = received.ByGeneration();
        byGeneration.Keys.Should().BeEquivalentTo(handles.Select(h => h.GenerationId));
        foreach (var handle in handles)
        {
            byGeneration[handle.GenerationId].Should().Equal(await _host.LoggedEventsAsync(handle.GenerationId));
        }

        _faults.StreamRequests.Should().Be(1);
    }

    [Fact]
    public async Task WatchManyAsync_LiveGenerationsFromNow_StartsEachAtItsLatestEventThenFollowsItToItsEnd()
    {
        var a = await _host.CreateGenerationAsync(progressEvents: 4, ended: false);
        var b = await _host.CreateGenerationAsync(progressEvents: 2, ended: false);
        var watching = _client.WatchManyAsync([a, b]).GetAsyncEnumerator();
        var first = new List<StreamingProgressEvent>();

        // Each member's latest event comes first, before anything new is logged.
        for (var i = 0; i < 2; i++)
        {
            (await watching.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
            first.Add(watching.Current);
        }

        await _host.EventLog.AppendAsync(TestEvents.Progress(b.GenerationId, 2));
        await _host.EndGenerationAsync(TestEvents.Completed(a.GenerationId) with { Timestamp = _host.Now });
        await _host.EndGenerationAsync(TestEvents.Completed(b.GenerationId) with { Timestamp = _host.Now });
        var rest = new List<StreamingProgressEvent>();
        while (await watching.MoveNextAsync().AsTask().WithPatience())
        {
            rest.Add(watching.Current);
        }

        await watching.DisposeAsync();
        first.Select(e => e.ToWire()).Should().BeEquivalentTo(
            [TestEvents.Progress(a.GenerationId, 3).ToWire(), TestEvents.Progress(b.GenerationId, 1).ToWire()]);
        rest.ByGeneration()[b.GenerationId].Should().Equal((await _host.LoggedEventsAsync(b.GenerationId))[^2..]);
        rest.ByGeneration()[a.GenerationId].Should().Equal((await _host.LoggedEventsAsync(a.GenerationId))[^1..]);
    }

    [Fact]
    public async Task WatchManyAsync_EveryMemberEndedBeforeConnecting_YieldsEachTerminalEventOnceThenEnds()
    {
        var handles = new[] { await _host.CreateGenerationAsync(3, ended: true), await _host.CreateGenerationAsync(1, ended: true) };

        var received = await _client.WatchManyAsync(handles).CollectAsync();

        received.Should().HaveCount(2).And.OnlyContain(e => e.Status == GenerationStatus.Completed);
        received.Select(e => e.GenerationId).Should().BeEquivalentTo(handles.Select(h => h.GenerationId));
    }

    [Fact]
    public async Task WatchManyAsync_RealRunsStartedByTheClient_YieldsEveryLoggedEventOfEachOnce()
    {
        var handles = new List<GenerationHandle>();
        for (var i = 0; i < 3; i++)
        {
            handles.Add(await _client.StartAsync($"Build app {i}", ["User", "Task"]));
        }

        var received = await _client.WatchManyAsync(handles, new WatchManyOptions { From = WatchManyFrom.Start }).CollectAsync();

        foreach (var handle in handles)
        {
            received.ByGeneration()[handle.GenerationId].Should().Equal(await _host.LoggedEventsAsync(handle.GenerationId));
        }
    }

    [Fact]
    public async Task WatchManyAsync_ResumedByTheServersCursor_SendsLastEventIdAndNoFrom()
    {
        var a = await _host.CreateGenerationAsync(progressEvents: 3, ended: true);
        var b = await _host.CreateGenerationAsync(progressEvents: 3, ended: true);
        var logged = (await _host.LoggedEntriesAsync(a.GenerationId))[0].Frame.Length;

        // Cut after the retry line and about two frames (a multiplexed frame is a member's frame plus a longer id).
        _faults.Plan = n => n == 1 ? new StreamFault.EndAfter(12 + (3 * logged)) : null;

        var received = await _client.WatchManyAsync([a, b], new WatchManyOptions { From = WatchManyFrom.Start }).CollectAsync();

        received.Should().HaveCount(8);
        _faults.Cuts.Should().Be(1);
        _faults.LastEventIds.Should().HaveCount(2);
        _faults.LastEventIds.First().Should().BeEmpty();
        _faults.LastEventIds.Last().Should().NotBeEmpty();
    }

    [Fact]
    public async Task WatchManyAsync_ResumedFromTheCursorOfAWatchThatGaveUp_YieldsExactlyWhatCameAfter()
    {
        var a = await _host.CreateGenerationAsync(progressEvents: 3, ended: true);
        var b = await _host.CreateGenerationAsync(progressEvents: 3, ended: true);
        var frameBytes = (await _host.LoggedEntriesAsync(a.GenerationId))[0].Frame.Length;
        _faults.Plan = n => n == 1 ? new StreamFault.EndAfter(12 + (3 * frameBytes)) : null;
        var givingUp = _host.CreateIterationClient(new IterationClientOptions { MaxConsecutiveFailures = 0 });
        var first = new List<StreamingProgressEvent>();

        var act = async () =>
        {
            await foreach (var e in givingUp.WatchManyAsync([a, b], new WatchManyOptions { From = WatchManyFrom.Start }))
            {
                first.Add(e);
            }
        };
        var cursor = (await act.Should().ThrowAsync<IterationStreamException>()).Which.Cursor;
        var rest = await _client.WatchManyAsync([a, b], new WatchManyOptions { LastEventId = cursor }).CollectAsync();

        first.Should().NotBeEmpty();
        cursor.Should().NotBeNull();
        var all = first.Concat(rest).ByGeneration();
        all[a.GenerationId].Should().Equal(await _host.LoggedEventsAsync(a.GenerationId));
        all[b.GenerationId].Should().Equal(await _host.LoggedEventsAsync(b.GenerationId));
    }

    [Fact]
    public async Task WatchManyAsync_MemberDeletedAfterTheSetWasNamed_TheOthersAreDeliveredAndTheWatchEndsOn204()
    {
        var deleted = await _host.CreateGenerationAsync(progressEvents: 2, ended: false);
        var kept = await _host.CreateGenerationAsync(progressEvents: 2, ended: true);

        // Retention removes the generation between POST /watch and the stream: it never sends a terminal event.
        _faults.Plan = n =>
        {
            if (n == 1)
            {
                _host.EventLog.DeleteAsync(deleted.GenerationId).AsTask().GetAwaiter().GetResult();
                _host.Records.DeleteAsync(deleted.GenerationId).AsTask().GetAwaiter().GetResult();
            }

            return null;
        };

        var received = await _client.WatchManyAsync([deleted, kept]).CollectAsync();

        received.Should().ContainSingle().Which.Should().Match<StreamingProgressEvent>(e => e.GenerationId == kept.GenerationId && e.IsTerminal);
        _faults.LastEventIds.Should().HaveCount(2, "the stream ended after the last live member's terminal event, and the reconnection got 204");
        _faults.LastEventIds.Last().Should().NotBeEmpty();
    }
}
