using System.Net;
using System.Text;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>
/// The multiplexed stream when members go away or fall behind: a deleted member leaves with a comment and the others go
/// on, a trimmed member gets the snapshot its own stream gets, the set's stream ends after the last terminal; and its
/// framing (<c>retry:</c>, heartbeats, ids, no event names).
/// </summary>
public sealed class MultiplexStreamFaultTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o =>
        {
            o.HeartbeatInterval = TimeSpan.FromMilliseconds(50);
            o.RetryInterval = TimeSpan.FromMilliseconds(1500);
            o.MaxEventsPerGeneration = 16;
        });
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>The comment a deleted member leaves with (WATCH.md: <c>generation {id} left the stream: it was deleted</c>).</summary>
    private static bool IsLeftComment(string comment, string id) =>
        comment.StartsWith($"generation {id} left the stream: ", StringComparison.Ordinal) && comment.Contains("deleted", StringComparison.Ordinal);

    /// <summary>Deletes a generation as retention does: the record first, then its log.</summary>
    private async Task DeleteAsRetentionDoesAsync(string id)
    {
        await _host.Records.DeleteAsync(id);
        await _host.EventLog.DeleteAsync(id);
    }

    [Fact]
    public async Task Stream_AMemberDeletedByRetentionBeforeItsTerminalWasDelivered_LeavesWithACommentAndTheOthersGoOn()
    {
        var (watch, members) = await MultiplexTestSets.WatchLiveAsync(_host, _client, 3, eventsEach: 2);
        var reader = _client.ReaderOf(watch, from: "start");
        await using (var first = await reader.ConnectAsync())
        {
            await first.ReadToAsync(new MultiplexCut(Events: 6, StopWhenIdle: false)).WithPatience();
        }

        var deleted = members[1].Id;
        await _host.EndGenerationAsync(TestEvents.Completed(deleted) with { Timestamp = _host.Now });
        await DeleteAsRetentionDoesAsync(deleted);
        await using var resumed = await reader.ConnectAsync();
        await resumed.ReadCommentAsync(c => c.Contains(deleted, StringComparison.Ordinal)).WithPatience();
        await _host.EventLog.AppendAsync(TestEvents.Progress(members[0].Id, 2));
        await _host.EventLog.AppendAsync(TestEvents.Progress(members[2].Id, 2));
        await resumed.ReadToAsync(new MultiplexCut(Events: 2, StopWhenIdle: false)).WithPatience();

        resumed.StatusCode.Should().Be(HttpStatusCode.OK);
        reader.Comments.Should().ContainSingle(c => IsLeftComment(c, deleted));
        reader.DataOf(deleted).Should().HaveCount(2, "its terminal was deleted before it was delivered");
        reader.DataOf(members[0].Id).Should().HaveCount(3);
        reader.DataOf(members[2].Id).Should().HaveCount(3);
    }

    [Fact]
    public async Task Stream_AfterADeletedMemberLeft_TheCursorNoLongerNamesIt()
    {
        var (watch, members) = await MultiplexTestSets.WatchLiveAsync(_host, _client, 2, eventsEach: 1);
        var reader = _client.ReaderOf(watch, from: "start");
        await using (var first = await reader.ConnectAsync())
        {
            await first.ReadToAsync(new MultiplexCut(Events: 2, StopWhenIdle: false)).WithPatience();
        }

        await _host.EndGenerationAsync(TestEvents.Completed(members[1].Id) with { Timestamp = _host.Now });
        await DeleteAsRetentionDoesAsync(members[1].Id);
        await using (var second = await reader.ConnectAsync())
        {
            await second.ReadCommentAsync(c => IsLeftComment(c, members[1].Id)).WithPatience();
            await _host.EventLog.AppendAsync(TestEvents.Progress(members[0].Id, 1));
            await second.ReadToAsync(new MultiplexCut(Events: 1, StopWhenIdle: false)).WithPatience();
        }

        await using var third = await reader.ConnectAsync();
        await _host.EventLog.AppendAsync(TestEvents.Progress(members[0].Id, 2));
        await third.ReadToAsync(new MultiplexCut(Events: 1, StopWhenIdle: false)).WithPatience();

        reader.Comments.Count(c => IsLeftComment(c, members[1].Id)).Should().Be(1, "a member that left is gone from the cursor");
        reader.DataOf(members[0].Id).Should().HaveCount(3);
    }

    [Fact]
    public async Task Stream_AMemberTrimmedBelowTheCursor_GetsTheSnapshotItsOwnStreamGets()
    {
        var (watch, members) = await MultiplexTestSets.WatchLiveAsync(_host, _client, 2, eventsEach: 2);
        var trimmed = members[0];
        var reader = _client.ReaderOf(watch, from: "start");
        await using (var first = await reader.ConnectAsync())
        {
            await first.ReadToAsync(new MultiplexCut(Events: 4, StopWhenIdle: false)).WithPatience();
        }

        for (var i = 2; i < 40; i++)
        {
            await _host.EventLog.AppendAsync(TestEvents.Progress(trimmed.Id, i));
        }

        await using var resumed = await reader.ConnectAsync();
        var snapshot = await resumed.ReadEventAsync(e => e.GenerationId == trimmed.Id).WithPatience();
        using var own = await _client.GetStreamAsync(trimmed.Id, trimmed.Token, lastEventId: 2);
        await using var ownEvents = own.ReadEventsAsync().GetAsyncEnumerator();
        (await ownEvents.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();

        snapshot.ToProgressEvent().Replay.Should().Be(StreamingProgressEvent.SnapshotReplay);
        snapshot.Value.Should().Be(ownEvents.Current.Data, "byte for byte what the member's own stream sends");
    }

    [Fact]
    public async Task Stream_TheLastMemberEndingWhileConnected_EndsTheResponseAndTheReconnectGets204()
    {
        var (watch, members) = await MultiplexTestSets.WatchLiveAsync(_host, _client, 3, eventsEach: 1);
        var reader = _client.ReaderOf(watch, from: "start");
        await using var connection = await reader.ConnectAsync();
        await connection.ReadToAsync(new MultiplexCut(Events: 3, StopWhenIdle: false)).WithPatience();

        foreach (var (id, _) in members)
        {
            await _host.EndGenerationAsync(TestEvents.Completed(id) with { Timestamp = _host.Now });
        }

        await connection.ReadToEndAsync().WithPatience();
        await using var again = await reader.ConnectAsync();

        connection.Ended.Should().BeTrue();
        reader.Events.Where(e => GenerationStatus.IsTerminal(e.ToProgressEvent().Status)).Select(e => e.GenerationId)
            .Should().BeEquivalentTo(members.Select(m => m.Id));
        again.StatusCode.Should().Be(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Stream_AMemberThatEnded_LeavesWhileTheOthersGoOn()
    {
        var (watch, members) = await MultiplexTestSets.WatchLiveAsync(_host, _client, 2, eventsEach: 1);
        var reader = _client.ReaderOf(watch, from: "start");
        await using var connection = await reader.ConnectAsync();
        await _host.EndGenerationAsync(TestEvents.Completed(members[0].Id) with { Timestamp = _host.Now });
        await connection.ReadEventAsync(e => e.GenerationId == members[0].Id && e.ToProgressEvent().Status == GenerationStatus.Completed).WithPatience();

        await _host.EventLog.AppendAsync(TestEvents.Progress(members[1].Id, 1));
        var next = await connection.ReadEventAsync(e => e.GenerationId == members[1].Id && e.ToProgressEvent().CurrentFile == "src/File1.cs").WithPatience();

        connection.Ended.Should().BeFalse();
        next.Should().NotBeNull();
    }

    [Fact]
    public async Task Stream_Framing_StartsWithRetryThenEventsWithIdsAndNoNamesThenHeartbeatsWhileIdle()
    {
        var (watch, _) = await MultiplexTestSets.WatchLiveAsync(_host, _client, 2, eventsEach: 2);
        using var response = await MultiplexTestSets.GetStreamAsync(_client, MultiplexTestSets.UrlOf(watch, "start"));
        var body = await response.Content.ReadAsStreamAsync();

        var text = await body.ReadRawUntilAsync(t => t.Contains(": heartbeat\n\n", StringComparison.Ordinal)).WithPatience();

        text.Should().StartWith("retry: 1500\n\n");
        var frames = text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
        var events = frames.Where(f => f.Contains("data: ", StringComparison.Ordinal)).ToList();
        events.Should().HaveCount(4);
        events.Should().OnlyContain(f => f.StartsWith("id: ", StringComparison.Ordinal) && f.Split('\n').Length == 2);
        text.Should().NotContain("event:");
        var ids = events.Select(f => f.Split('\n')[0].Substring(4)).ToList();
        ids.Should().OnlyHaveUniqueItems();
        ids.Should().OnlyContain(id => id.Length > 0 && !id.Contains(' ', StringComparison.Ordinal) && Encoding.UTF8.GetByteCount(id) == id.Length, "the cursor is ASCII without spaces");
    }

    [Fact]
    public async Task Stream_WhileIdle_KeepsSendingHeartbeats()
    {
        var (watch, _) = await MultiplexTestSets.WatchLiveAsync(_host, _client, 1, eventsEach: 1);
        var reader = _client.ReaderOf(watch);
        await using var connection = await reader.ConnectAsync();

        for (var i = 0; i < 3; i++)
        {
            await connection.ReadCommentAsync(c => c == MultiplexStreamReader.Heartbeat).WithPatience();
        }

        reader.Comments.Count(c => c == MultiplexStreamReader.Heartbeat).Should().Be(3);
        reader.RetryMilliseconds.Should().Be(1500);
    }

    [Fact]
    public async Task Stream_OwnerMeOnAHostWithoutOwners_Answers404()
    {
        using var response = await MultiplexTestSets.GetStreamAsync(_client, "generations/stream?owner=me");

        await response.ShouldBeRefusedAsync(HttpStatusCode.NotFound);
    }
}
