using System.Buffers;
using FluentAssertions;
using Iteration.Streaming.AspNetCore.Streams.Multiplex;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Iteration.Streaming.AspNetCore.Tests.Streams;

/// <summary>Many subscriptions read as one: coalesced wake-ups, turns, members that end or leave.</summary>
public sealed class MultiplexSubscriptionTests : IAsyncDisposable
{
    private readonly ServiceProvider _services = new ServiceCollection().AddSingleton<TimeProvider>(new FakeTimeProvider(TestEvents.Epoch)).AddIterationStreaming().Services.BuildServiceProvider();

    private static readonly CursorSeal Seal = new(new byte[32], "tag");

    private readonly MultiplexSubscription _stream = new("test set", "1w.tag.", endsWhenDone: true, Seal, keyed: false);

    private IGenerationEventLog EventLog => _services.GetRequiredService<IGenerationEventLog>();

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        await _services.DisposeAsync();
    }

    [Fact]
    public async Task WaitToReadAsync_MembersAppendedWhileWaiting_WakesAndReadsEach()
    {
        var (a, b) = (await FollowAsync(), await FollowAsync());
        _stream.TryRead(out _).Should().BeFalse("both logs are empty: each member now waits");
        var wait = _stream.WaitToReadAsync();

        await EventLog.AppendAsync(TestEvents.Progress(a, 1));
        await EventLog.AppendAsync(TestEvents.Progress(b, 1));

        (await wait).Should().BeTrue();
        var read = ReadAll().Select(static e => e.Event.GenerationId).ToList();
        while (read.Count < 2)
        {
            // The second member's wake-up may come after the first's: it wakes the stream again (or joined the first).
            (await _stream.WaitToReadAsync().WithPatience()).Should().BeTrue();
            read.AddRange(ReadAll().Select(static e => e.Event.GenerationId));
        }

        read.Should().BeEquivalentTo([a, b]);
    }

    [Fact]
    public async Task TryRead_OneMemberWithABacklog_TakesTurnsWithTheOthers()
    {
        var busy = await FollowAsync();
        for (var i = 1; i <= 50; i++)
        {
            await EventLog.AppendAsync(TestEvents.Progress(busy, i));
        }

        var quiet = await FollowAsync();
        await EventLog.AppendAsync(TestEvents.Progress(quiet, 1));

        var order = ReadAll().Select(static e => e.Event.GenerationId).ToList();

        order.IndexOf(quiet).Should().BeLessThan(2, "each member gives one entry per round");
        order.Where(id => id == busy).Should().HaveCount(50);
    }

    [Fact]
    public async Task TryRead_EveryMemberReachesItsTerminalEvent_CompletesTheSet()
    {
        var (a, b) = (await FollowAsync(), await FollowAsync());
        await EventLog.AppendAsync(TestEvents.Completed(a));
        await EventLog.AppendAsync(TestEvents.Progress(b, 1));

        ReadAll();
        _stream.IsComplete.Should().BeFalse();
        _stream.Following.Should().Be(1);

        await EventLog.AppendAsync(TestEvents.Failed(b));
        (await _stream.WaitToReadAsync()).Should().BeTrue();
        ReadAll();

        _stream.IsComplete.Should().BeTrue();
        (await _stream.WaitToReadAsync()).Should().BeFalse();
        _stream.Members.Should().OnlyContain(static m => m.IsDone && m.Subscription == null);
    }

    [Fact]
    public async Task WaitToReadAsync_MemberDeletedWhileWatched_LeavesOnceAndTheOthersGoOn()
    {
        var (gone, stays) = (await FollowAsync(), await FollowAsync());
        _stream.TryRead(out _).Should().BeFalse();
        var wait = _stream.WaitToReadAsync();

        await EventLog.DeleteAsync(gone);

        (await wait).Should().BeTrue();
        ReadAll().Should().BeEmpty("its reader found the log ended without a terminal event");
        _stream.TryTakeLeft(out var left).Should().BeTrue();
        left.Should().Be(gone);
        _stream.TryTakeLeft(out _).Should().BeFalse();
        await EventLog.AppendAsync(TestEvents.Progress(stays, 1));
        (await _stream.WaitToReadAsync()).Should().BeTrue();
        ReadAll().Should().ContainSingle().Which.Event.GenerationId.Should().Be(stays);
    }

    [Fact]
    public async Task WriteFrame_GivesTheSetCursorAndTheMembersOwnData()
    {
        var (a, b) = (await FollowAsync(), await FollowAsync());
        var entry = await EventLog.AppendAsync(TestEvents.Progress(b, 1));
        _stream.TryRead(out var read).Should().BeTrue();
        var pipe = new System.IO.Pipelines.Pipe();

        _stream.WriteFrame(pipe.Writer, read!);
        await pipe.Writer.FlushAsync();
        pipe.Reader.TryRead(out var result).Should().BeTrue();
        var text = System.Text.Encoding.UTF8.GetString(result.Buffer.ToArray());

        var data = System.Text.Encoding.UTF8.GetString(entry.Frame.Span)[(System.Text.Encoding.UTF8.GetString(entry.Frame.Span).IndexOf('\n', StringComparison.Ordinal))..];
        text.Should().Be("id: " + MultiplexCursor.WatchText(Seal, "tag", [0, 1]) + data);
        a.Should().NotBe(b);
    }

    private async Task<string> FollowAsync()
    {
        var id = TestEvents.NewId();
        await EventLog.CreateAsync(id);
        _stream.Add(MultiplexMember.Following(id, keyed: false, await EventLog.SubscribeAsync(id), 0));
        return id;
    }

    private List<EventLogEntry> ReadAll()
    {
        var entries = new List<EventLogEntry>();
        while (_stream.TryRead(out var entry))
        {
            entries.Add(entry);
        }

        return entries;
    }
}
