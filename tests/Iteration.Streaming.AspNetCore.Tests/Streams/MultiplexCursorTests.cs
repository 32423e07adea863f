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
        var (tag, seal) = Watch([1, 2, 3]);

        MultiplexCursor.TryReadWatch(MultiplexCursor.WatchText(seal, tag, [0, 17, -1]), seal, tag, 3, out var positions).Should().BeTrue();

        positions.Should().Equal(0, 17, -1);
    }

    [Fact]
    public void TryReadWatch_APositionChangedOrCutShort_IsFalse()
    {
        var (tag, seal) = Watch([1, 2, 3]);
        var cursor = MultiplexCursor.WatchText(seal, tag, [3, 12, 5]);

        MultiplexCursor.TryReadWatch(cursor.Replace(".3,12,", ".0,12,", StringComparison.Ordinal), seal, tag, 3, out _).Should().BeFalse("moved back by hand");
        MultiplexCursor.TryReadWatch(cursor.Replace(",12,", ",1,", StringComparison.Ordinal), seal, tag, 3, out _).Should().BeFalse("a digit lost");
        MultiplexCursor.TryReadWatch(cursor.Replace(",5.", ",x.", StringComparison.Ordinal), seal, tag, 3, out _).Should().BeFalse("marked done by hand");
        MultiplexCursor.TryReadWatch(cursor[..^1], seal, tag, 3, out _).Should().BeFalse("the check cut short");
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
        var (tag, seal) = Watch([1, 2, 3]);
        var check = MultiplexCursor.WatchText(seal, tag, [0, 0, 0])[^CursorSeal.Length..];

        MultiplexCursor.TryReadWatch(MultiplexCursor.WatchHead(tag) + entries + "." + check, seal, tag, 3, out _).Should().BeFalse();
    }

    [Fact]
    public void TryReadWatch_CursorOfAnotherSetOrAnOwner_IsFalse()
    {
        var (tag, seal) = Watch([1, 2, 3]);
        var (other, otherSeal) = Watch([1, 2, 4]);
        var owner = _cursors.OwnerTag("alice");

        MultiplexCursor.TryReadWatch(MultiplexCursor.WatchText(otherSeal, other, [0, 0, 0]), seal, tag, 3, out _).Should().BeFalse();
        MultiplexCursor.TryReadWatch(MultiplexCursor.OwnerText(_cursors.Seal(owner), owner, 5, []), seal, tag, 3, out _).Should().BeFalse();
        other.Should().NotBe(tag);
    }

    [Fact]
    public void TryReadOwner_ItsOwnCursor_GivesWatermarkAndMembers()
    {
        var (tag, seal) = Owner("alice");
        var id = Guid.NewGuid().ToString();

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerText(seal, tag, 1234, [(id, 5), ("gen_2", -1)]), seal, tag, 10, out var watermark, out var entries).Should().BeTrue();

        watermark.Should().Be(1234);
        entries.Should().Equal((id, 5L), ("gen_2", -1L));
    }

    [Fact]
    public void TryReadOwner_NoMembers_IsFine()
    {
        var (tag, seal) = Owner("alice");

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerText(seal, tag, 1, []), seal, tag, 10, out _, out var entries).Should().BeTrue();

        entries.Should().BeEmpty();
    }

    [Fact]
    public void TryReadOwner_WatermarkOrMemberChangedByHand_IsFalse()
    {
        var (tag, seal) = Owner("alice");
        var cursor = MultiplexCursor.OwnerText(seal, tag, 1234, [("g1", 5), ("g2", -1)]);

        MultiplexCursor.TryReadOwner(cursor.Replace(".1234.", ".1000.", StringComparison.Ordinal), seal, tag, 10, out _, out _).Should().BeFalse();
        MultiplexCursor.TryReadOwner(cursor.Replace("g1:5", "g1:4", StringComparison.Ordinal), seal, tag, 10, out _, out _).Should().BeFalse();
        MultiplexCursor.TryReadOwner(cursor.Replace(",g2:x", string.Empty, StringComparison.Ordinal), seal, tag, 10, out _, out _).Should().BeFalse();
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
        var (tag, seal) = Owner("alice");

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerHead(tag, 1) + entries + ".AAAAAAAAAAA", seal, tag, 10, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryReadOwner_AnotherOwnersCursor_IsFalse()
    {
        var (bob, bobSeal) = Owner("bob");
        var (alice, aliceSeal) = Owner("alice");

        MultiplexCursor.TryReadOwner(MultiplexCursor.OwnerText(bobSeal, bob, 1, [("a", 1)]), aliceSeal, alice, 10, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryReadOwner_MoreEntriesThanAllowed_IsFalse()
    {
        var (tag, seal) = Owner("alice");
        var cursor = MultiplexCursor.OwnerText(seal, tag, 1, [.. Enumerable.Range(0, 11).Select(static i => ($"g{i}", 1L))]);

        MultiplexCursor.TryReadOwner(cursor, seal, tag, 10, out _, out _).Should().BeFalse();
    }

    [Fact]
    public void TryRead_LongerThanTheLimit_IsFalseUnread()
    {
        var (tag, seal) = Watch([1]);

        MultiplexCursor.TryReadWatch(MultiplexCursor.WatchHead(tag) + new string('1', MultiplexCursor.MaxLength), seal, tag, 1, out _).Should().BeFalse();
    }

    private (string Tag, CursorSeal Seal) Watch(byte[] setHash)
    {
        var tag = _cursors.WatchTag(setHash);
        return (tag, _cursors.Seal(tag));
    }

    private (string Tag, CursorSeal Seal) Owner(string user)
    {
        var tag = _cursors.OwnerTag(user);
        return (tag, _cursors.Seal(tag));
    }
}
