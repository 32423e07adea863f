using System.Text;
using CsCheck;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>The test reader's parser follows EventSource's rules, so what the tests count is what a browser would see.</summary>
public sealed class MultiplexSseParserTests
{
    private static List<MultiplexSseFrame> ParseAll(MultiplexSseParser parser, byte[] bytes, int chunk = int.MaxValue)
    {
        var frames = new List<MultiplexSseFrame>();
        for (var start = 0; start < bytes.Length; start += chunk)
        {
            var piece = bytes.AsSpan(start, Math.Min(chunk, bytes.Length - start));
            while (!piece.IsEmpty)
            {
                var consumed = parser.Parse(piece, out var frame);
                piece = piece[consumed..];
                if (frame is not null)
                {
                    frames.Add(frame);
                }
            }
        }

        return frames;
    }

    private static List<MultiplexSseFrame> ParseAll(string text, int chunk = int.MaxValue) => ParseAll(new MultiplexSseParser(), Encoding.UTF8.GetBytes(text), chunk);

    [Fact]
    public void Parse_RetryCommentAndEvents_GivesEachFrameWithTheIdInForce()
    {
        var frames = ParseAll("retry: 2000\n\nid: c1\ndata: {\"a\":1}\n\n: heartbeat\n\nid: c2\ndata: {\"a\":2}\n\n");

        frames.Should().Equal(
            new MultiplexSseFrame(MultiplexSseFrameKind.Retry, "2000"),
            new MultiplexSseFrame(MultiplexSseFrameKind.Event, "{\"a\":1}", "c1"),
            new MultiplexSseFrame(MultiplexSseFrameKind.Comment, "heartbeat"),
            new MultiplexSseFrame(MultiplexSseFrameKind.Event, "{\"a\":2}", "c2"));
    }

    [Fact]
    public void Parse_CrLfAndCrLineEnds_AreLineEndsToo()
    {
        var frames = ParseAll("id: a\r\ndata: x\r\n\r\nid: b\rdata: y\r\r");

        frames.Should().Equal(
            new MultiplexSseFrame(MultiplexSseFrameKind.Event, "x", "a"),
            new MultiplexSseFrame(MultiplexSseFrameKind.Event, "y", "b"));
    }

    [Fact]
    public void Parse_AFrameCutBeforeItsBlankLine_IsNotDispatchedAndKeepsTheLastId()
    {
        var parser = new MultiplexSseParser();

        var frames = ParseAll(parser, Encoding.UTF8.GetBytes("id: 1\ndata: one\n\nid: 2\ndata: two\n"));

        frames.Should().ContainSingle().Which.Value.Should().Be("one");
        parser.LastEventId.Should().Be("1", "an id is committed only when its event is dispatched");
    }

    [Fact]
    public void Parse_MultipleDataLines_AreJoinedWithNewLines()
    {
        ParseAll("data: a\ndata:b\ndata\n\n").Should().ContainSingle().Which.Value.Should().Be("a\nb\n");
    }

    [Fact]
    public void Parse_InvalidRetryAndUnknownFields_AreIgnored()
    {
        var parser = new MultiplexSseParser();

        var frames = ParseAll(parser, Encoding.UTF8.GetBytes("retry: 2s\nevent: x\nfoo: bar\ndata: d\n\n"));

        frames.Should().ContainSingle().Which.Kind.Should().Be(MultiplexSseFrameKind.Event);
        parser.ReconnectionMilliseconds.Should().BeNull();
    }

    [Fact]
    public void Parse_ALeadingByteOrderMark_IsSkipped()
    {
        ParseAll("\uFEFFdata: d\n\n").Should().ContainSingle().Which.Value.Should().Be("d");
    }

    [Fact]
    public void Parse_AResumingParser_KeepsTheIdItResumedFromForEventsWithoutOne()
    {
        var frames = ParseAll(new MultiplexSseParser("c9"), Encoding.UTF8.GetBytes("data: d\n\n"));

        frames.Should().ContainSingle().Which.Id.Should().Be("c9");
    }

    [Fact]
    public void Parse_ReturnsRightAfterEachFrame_SoAReaderCanStopThere()
    {
        var bytes = Encoding.UTF8.GetBytes("data: a\n\ndata: b\n\n");
        var parser = new MultiplexSseParser();

        var consumed = parser.Parse(bytes, out var frame);

        frame!.Value.Should().Be("a");
        consumed.Should().Be("data: a\n\n".Length);
    }

    [Fact]
    public void Parse_AnySplitOfTheBytes_GivesTheSameFrames()
    {
        const string Stream = "retry: 1500\n\nid: ĉursor=1\ndata: {\"generation_id\":\"é\",\"n\":1}\n\n: heartbeat\n\n"
            + "id: c2\r\ndata: {\"x\":\"日本\"}\r\n\r\n: generation g left the stream: it was deleted\n\nid: c3\rdata: z\r\r";
        var bytes = Encoding.UTF8.GetBytes(Stream);
        var whole = ParseAll(new MultiplexSseParser(), bytes);

        Gen.Int[1, bytes.Length].Sample(chunk => ParseAll(new MultiplexSseParser(), bytes, chunk).SequenceEqual(whole));
        whole.Should().HaveCount(6);
    }
}
