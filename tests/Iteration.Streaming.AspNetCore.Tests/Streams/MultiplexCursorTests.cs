using FluentAssertions;
using Iteration.Streaming.AspNetCore.Streams.Multiplex;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Xunit;

namespace Iteration.Streaming.AspNetCore.Tests.Streams;

public sealed class MultiplexCursorTests
{
    private readonly MultiplexCursor _cursors = new(new StaticOptionsMonitor<IterationStreamingOptions>(new IterationStreamingOptions { SigningKey = "an-example-signing-key-of-at-least-32-characters" }));

    [Fact]
    public void TryReadWatch_ItsOwnCursor_GivesEachPositionAndDone()
    {
        var tag = _cursors.WatchTag([1, 2, 3]);

        MultiplexCursor.TryReadWatch(MultiplexCursor.WatchHead(tag) + "0,17,x", tag, 3, out var positions).Should().BeTrue();

        positions.Should().Equal(0, 17, -1);
    }

    [Theory]
    [InlineData("")]
    [InlineData("0,17")]
    [InlineData("0,17,x,4")]
    [InlineData("0,,x")]
    [InlineData("0,17,")]
    [InlineData("0,-1,x")]
    [InlineData("0,1e3,x")]
    [InlineData("0, 1,x")]
    [InlineData("0,99999999999999999999,x")]
    [InlineData("0,17,y")]
    public void TryReadWatch_MalformedEntries_IsFalse(string entries)
    {
        var tag = _cursors.WatchTag([1, 2, 3]);

        MultiplexCursor.TryReadWatch(MultiplexCursor.WatchHead(tag) + entries, tag, 3, out _).Should().BeFalse();
    }

    [Fact]
    public void TryReadWatch_CursorOfAnotherSetOrAnOwner_IsFalse()
    {
        var tag = _cursors.WatchTag([1, 2, 3]);
        var other = _cursors.WatchTag([1, 2, 4]);
        var owner = _cursors.OwnerTag("alice");

        MultiplexCursor.TryReadWatch(MultiplexCursor.WatchHead(other) + "0,0,0", tag, 3, out _).Should().BeFalse();
        MultiplexCursor.TryReadWatch(MultiplexCursor.OwnerHead(owner, 5) + "0,0,0", tag, 3, out _).Should().BeFalse();
        other.Should().NotBe(tag);
    }

    [Fact]
    public void TryReadOwner_ItsOwnCursor_GivesWatermarkAndMembers()
    {
        var tag = _cursors.OwnerTag("alice");
        var id = Guid.NewGuid().ToString();

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerHead(tag, 1234) + id + ":5,gen_2:x", tag, 10, out var watermark, out var entries).Should().BeTrue();

        watermark.Should().Be(1234);
        entries.Should().Equal((id, 5L), ("gen_2", -1L));
    }

    [Fact]
    public void TryReadOwner_NoMembers_IsFine()
    {
        var tag = _cursors.OwnerTag("alice");

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerHead(tag, 1), tag, 10, out _, out var entries).Should().BeTrue();

        entries.Should().BeEmpty();
    }

    [Theory]
    [InlineData("a:1,a:2")]
    [InlineData("a:1,")]
    [InlineData(":1")]
    [InlineData("a b:1")]
    [InlineData("a:1:2")]
    [InlineData("a")]
    public void TryReadOwner_MalformedOrRepeatedMembers_IsFalse(string entries)
    {
        var tag = _cursors.OwnerTag("alice");

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerHead(tag, 1) + entries, tag, 10, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryReadOwner_AnotherOwnersCursor_IsFalse()
    {
        var bob = _cursors.OwnerTag("bob");

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerHead(bob, 1) + "a:1", _cursors.OwnerTag("alice"), 10, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryReadOwner_MoreEntriesThanAllowed_IsFalse()
    {
        var tag = _cursors.OwnerTag("alice");
        var entries = string.Join(',', Enumerable.Range(0, 11).Select(static i => $"g{i}:1"));

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerHead(tag, 1) + entries, tag, 10, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryRead_LongerThanTheLimit_IsFalseUnread()
    {
        var tag = _cursors.WatchTag([1]);

        MultiplexCursor.TryReadWatch(MultiplexCursor.WatchHead(tag) + new string('1', MultiplexCursor.MaxLength), tag, 1, out _).Should().BeFalse();
    }
}
