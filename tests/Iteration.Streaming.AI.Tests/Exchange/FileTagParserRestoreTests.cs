using Iteration.Streaming.AI.Exchange;

namespace Iteration.Streaming.AI.Tests.Exchange;

/// <summary>A parser rebuilt from another's state (a resumed phase) reads the rest of the answer as the first would have.</summary>
public sealed class FileTagParserRestoreTests
{
    private const string Answer =
        "Here you go.\n<file path=\"a.txt\">\r\nline one\r\n</fi</file> between <file path=\"b/é.cs\">\nx < y </file\n</file>" +
        "<file path=\"c\">\r</file><file path=\"d\">\U0001F642</file>";

    [Fact]
    public void Restore_AtEveryPointOfAnAnswer_GivesTheSameFilesAsTheWholeAnswer()
    {
        var whole = new List<ParsedFile>();
        new FileTagParser().Append(Answer, whole);

        for (var cut = 0; cut <= Answer.Length; cut++)
        {
            var files = new List<ParsedFile>();
            var first = new FileTagParser();
            first.Append(Answer.AsSpan(0, cut), files);
            var restored = new FileTagParser(first.CurrentPath, first.CurrentText(0), first.Pending, first.AtContentStart, first.TotalLength, first.FileCount);
            restored.Append(Answer.AsSpan(cut), files);

            files.Should().Equal(whole, $"cut at {cut}");
            restored.TotalLength.Should().Be(Answer.Length);
            restored.FileCount.Should().Be(whole.Count);
        }
    }

    [Fact]
    public void Restore_TextBetweenFiles_Throws()
    {
        var act = () => new FileTagParser(null, "text", string.Empty, atContentStart: false, totalLength: 10, fileCount: 0);

        act.Should().Throw<ArgumentException>();
    }

    [Theory]
    [InlineData(-1, 0, 0)]
    [InlineData(10, -1, 0)]
    [InlineData(2, 0, 0)]
    [InlineData(100_000, 0, FileTagParser.MaxPendingLength + 1)]
    public void Restore_ImpossibleCounts_Throw(long totalLength, int fileCount, int pendingLength)
    {
        var act = () => new FileTagParser("a", "abc", new string('<', pendingLength), atContentStart: false, totalLength, fileCount);

        act.Should().Throw<ArgumentException>();
    }
}
