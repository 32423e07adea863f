using System.Text;
using System.Text.Json;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.EventLog;

public sealed class EventLogEntryTests
{
    [Fact]
    public void Create_BuildsAnSseFrameWithIdAndOneDataLine()
    {
        var entry = EventLogEntry.Create(42, TestEvents.Progress("g", 1) with { Message = "line1\nline2" });

        var frame = Encoding.UTF8.GetString(entry.Frame.Span);

        frame.Should().StartWith("id: 42\ndata: {").And.EndWith("}\n\n");
        frame.Split('\n').Should().HaveCount(4, "a newline inside a message is escaped, never a second data line");
    }

    [Fact]
    public void FromFrame_RoundTripsCreate()
    {
        var original = EventLogEntry.Create(7, TestEvents.Completed("g"));

        var parsed = EventLogEntry.FromFrame(original.Frame);

        parsed.Sequence.Should().Be(7);
        parsed.Event.Should().BeEquivalentTo(original.Event);
        parsed.Frame.ToArray().Should().Equal(original.Frame.ToArray());
    }

    [Theory]
    [InlineData("")]
    [InlineData("data: {}\n\n")]
    [InlineData("id: x\ndata: {}\n\n")]
    [InlineData("id: 0\ndata: {}\n\n")]
    [InlineData("id: -4\ndata: {}\n\n")]
    [InlineData("id: 1\ndata: {}")]
    [InlineData("id: 1\ndata: {}\ndata: {}\n\n")]
    [InlineData("id: 1 \ndata: {}\n\n")]
    public void FromFrame_MalformedFrame_ThrowsFormatException(string frame)
    {
        var act = () => EventLogEntry.FromFrame(Encoding.UTF8.GetBytes(frame));

        act.Should().Throw<FormatException>();
    }

    [Fact]
    public void FromFrame_InvalidEventJson_ThrowsJsonException()
    {
        var act = () => EventLogEntry.FromFrame(Encoding.UTF8.GetBytes("id: 1\ndata: {\"status\":1}\n\n"));

        act.Should().Throw<JsonException>();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void FromStoredFrame_FrameOfCreate_ReadsSequenceAndTerminalAndKeepsTheBytes(bool terminal)
    {
        var original = EventLogEntry.Create(9, terminal ? TestEvents.Completed("g") : TestEvents.Progress("g", 3));

        var stored = EventLogEntry.FromStoredFrame(original.Frame);

        stored.Sequence.Should().Be(9);
        stored.IsTerminal.Should().Be(terminal);
        stored.Frame.Equals(original.Frame).Should().BeTrue("the stored bytes are handed on as they are, not copied");
        stored.Event.Should().BeEquivalentTo(original.Event);
    }

    [Fact]
    public void FromStoredFrame_DataNotAValidEvent_ReadsTheFrameAndFailsOnlyWhenTheEventIsRead()
    {
        // Valid up to its status; a property after it has the wrong type, which only deserialising the event finds.
        var frame = Encoding.UTF8.GetBytes("id: 3\ndata: {\"generation_id\":\"g\",\"status\":\"failed\",\"progress\":\"x\"}\n\n");

        var stored = EventLogEntry.FromStoredFrame(frame);
        var read = () => stored.Event;

        stored.Sequence.Should().Be(3);
        stored.IsTerminal.Should().BeTrue();
        read.Should().Throw<JsonException>();
    }

    [Theory]
    [InlineData("data: {}\n\n")]
    [InlineData("id: 0\ndata: {}\n\n")]
    [InlineData("id: 1\ndata: {}")]
    [InlineData("id: 1\ndata: {}\ndata: {}\n\n")]
    public void FromStoredFrame_MalformedFrame_ThrowsFormatException(string frame)
    {
        var act = () => EventLogEntry.FromStoredFrame(Encoding.UTF8.GetBytes(frame));

        act.Should().Throw<FormatException>();
    }

    [Theory]
    [InlineData("[]")]
    [InlineData("{\"generation_id\":\"g\"}")]
    [InlineData("{\"status\":1}")]
    [InlineData("{\"generation_id\":")]
    public void FromStoredFrame_NoReadableStatus_ThrowsJsonException(string json)
    {
        var act = () => EventLogEntry.FromStoredFrame(Encoding.UTF8.GetBytes($"id: 1\ndata: {json}\n\n"));

        act.Should().Throw<JsonException>();
    }

    [Fact]
    public void Create_NonPositiveSequence_Throws()
    {
        var act = () => EventLogEntry.Create(0, TestEvents.Completed("g"));

        act.Should().Throw<ArgumentOutOfRangeException>();
    }
}
