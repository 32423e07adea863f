using Iteration.Streaming.AI.Exchange;

namespace Iteration.Streaming.AI.Tests.Exchange;

public sealed class FileTagParserTests
{
    [Fact]
    public void Append_OneFile_GivesItsContentWithoutTheLineBreakAfterTheOpenTag()
    {
        var files = Parse("<file path=\"src/App.cs\">\nclass App {}\n</file>");

        files.Should().Equal(new ParsedFile("src/App.cs", "class App {}\n"));
    }

    [Fact]
    public void Append_CrLfAfterTheOpenTag_DropsBothCharacters()
    {
        var files = Parse("<file path=\"a.txt\">\r\nline\r\n</file>");

        files.Should().Equal(new ParsedFile("a.txt", "line\r\n"));
    }

    [Fact]
    public void Append_ContentOnTheTagLine_KeepsItAll()
    {
        var files = Parse("<file path=\"a.txt\">inline</file>");

        files.Should().Equal(new ParsedFile("a.txt", "inline"));
    }

    [Fact]
    public void Append_TwoLineBreaksAfterTheOpenTag_KeepsTheSecond()
    {
        var files = Parse("<file path=\"a.txt\">\n\nx</file>");

        files.Should().Equal(new ParsedFile("a.txt", "\nx"));
    }

    [Fact]
    public void Append_LoneCarriageReturnAfterTheOpenTag_IsContent()
    {
        var files = Parse("<file path=\"a.txt\">\rx</file>");

        files.Should().Equal(new ParsedFile("a.txt", "\rx"));
    }

    [Fact]
    public void Append_EmptyFile_GivesEmptyContent()
    {
        var files = Parse("<file path=\"empty.txt\">\n</file>");

        files.Should().Equal(new ParsedFile("empty.txt", string.Empty));
    }

    [Fact]
    public void Append_TextOutsideTags_IsIgnored()
    {
        var files = Parse("Here are the files.\n<file path=\"a\">1</file>\nAnd another < one > </file> stray\n<file path=\"b\">2</file>\nDone.");

        files.Should().Equal(new ParsedFile("a", "1"), new ParsedFile("b", "2"));
    }

    [Fact]
    public void Append_ContentWithBackticksAnglesAndPartialClosingTags_IsVerbatim()
    {
        const string content = "```csharp\nif (a < b && c > d) { }\n// </fil </file <file path=\"x\"> </FILE>\n```\n";

        var files = Parse($"<file path=\"README.md\">\n{content}</file>");

        files.Should().Equal(new ParsedFile("README.md", content));
    }

    [Fact]
    public void Append_ContentEndingWithPartialClosingTagBeforeTheRealOne_KeepsThePartialOne()
    {
        var files = Parse("<file path=\"a\">x</fil</file>");

        files.Should().Equal(new ParsedFile("a", "x</fil"));
    }

    [Theory]
    [InlineData("<file path='a.txt'>x</file>")]
    [InlineData("<file  path=\"a.txt\">x</file>")]
    [InlineData("<file path=\"a.txt\" >x</file>")]
    [InlineData("<FILE path=\"a.txt\">x</file>")]
    [InlineData("<file path=\"a\nb.txt\">x</file>")]
    [InlineData("<file path=\"a<b.txt\">x</file>")]
    public void Append_MalformedOpenTag_IsText(string text)
    {
        Parse(text).Should().BeEmpty();
    }

    [Fact]
    public void Append_MalformedOpenTagFollowedByAValidOne_FindsTheValidOne()
    {
        var files = Parse("<file path=\"oops\n<file path=\"a.txt\">x</file>");

        files.Should().Equal(new ParsedFile("a.txt", "x"));
    }

    [Fact]
    public void Append_PathLongerThanTheLimit_IsText()
    {
        var path = new string('a', FileTagParser.MaxPathLength + 1);

        Parse($"<file path=\"{path}\">x</file>").Should().BeEmpty();
    }

    [Fact]
    public void Append_PathAtTheLimit_IsAFile()
    {
        var path = new string('a', FileTagParser.MaxPathLength);

        Parse($"<file path=\"{path}\">x</file>").Should().Equal(new ParsedFile(path, "x"));
    }

    [Fact]
    public void Append_EmptyPath_IsAFileForTheEngineToRefuse()
    {
        Parse("<file path=\"\">x</file>").Should().Equal(new ParsedFile(string.Empty, "x"));
    }

    [Fact]
    public void Append_HostilePath_IsGivenAsWrittenForTheEngineToRefuse()
    {
        Parse("<file path=\"../../etc/passwd\">x</file>").Should().Equal(new ParsedFile("../../etc/passwd", "x"));
    }

    [Fact]
    public void CurrentPath_AfterAnUnclosedFile_NamesIt()
    {
        var parser = new FileTagParser();
        var files = new List<ParsedFile>();

        parser.Append("<file path=\"a\">1</file><file path=\"b.cs\">\npartial content", files);

        files.Should().Equal(new ParsedFile("a", "1"));
        parser.CurrentPath.Should().Be("b.cs");
        parser.CurrentLength.Should().Be("partial content".Length);
    }

    [Fact]
    public void CurrentLength_WhileAClosingTagMayBeStarting_CountsOnlyDecidedCharacters()
    {
        var parser = new FileTagParser();

        parser.Append("<file path=\"a\">abc</fi", new List<ParsedFile>());

        parser.CurrentLength.Should().Be(3);
    }

    [Fact]
    public void Append_OneCharacterAtATime_GivesTheSameFiles()
    {
        const string text = "intro <file path=\"a/b.cs\">\r\nx </fil y\r\n</file> mid <fi <file path=\"c\">\n\n</file>";
        var parser = new FileTagParser();
        var files = new List<ParsedFile>();

        foreach (var c in text)
        {
            parser.Append([c], files);
        }

        files.Should().Equal(Parse(text));
        files.Should().Equal(new ParsedFile("a/b.cs", "x </fil y\r\n"), new ParsedFile("c", "\n"));
    }

    [Theory]
    [InlineData("ab\ncd\nef", 100, "ab\ncd\nef")]
    [InlineData("ab\ncd\nef", 4, "ef")]
    [InlineData("ab\ncd\nef", 5, "cd\nef")]
    [InlineData("ab\ncd\nef", 6, "cd\nef")]
    [InlineData("ab\ncd\n", 4, "cd\n")]
    [InlineData("abcdefgh", 3, "fgh")]
    [InlineData("abc\n", 2, "c\n")]
    [InlineData("abc", 0, "")]
    public void Tail_CutsAtALineWhereItCan(string content, int maxLength, string expected)
    {
        var parser = new FileTagParser();
        parser.Append("<file path=\"a\">" + content, new List<ParsedFile>());

        parser.Tail(maxLength).Should().Be(expected);
    }

    [Fact]
    public void Tail_NeverStartsWithHalfASurrogatePair()
    {
        var parser = new FileTagParser();
        parser.Append("<file path=\"a\">x\U0001F642y", new List<ParsedFile>());

        parser.Tail(2).Should().Be("y");
    }

    [Fact]
    public void Tail_BetweenFiles_IsEmpty()
    {
        var parser = new FileTagParser();
        parser.Append("<file path=\"a\">abc</file>", new List<ParsedFile>());

        parser.Tail(10).Should().BeEmpty();
    }

    [Fact]
    public void TotalLength_CountsEveryCharacterGiven()
    {
        var parser = new FileTagParser();

        parser.Append("abc", new List<ParsedFile>());
        parser.Append("<file path=\"a\">de", new List<ParsedFile>());

        parser.TotalLength.Should().Be(3 + 17);
    }

    [Fact]
    public void Append_SurrogatePairSplitAcrossChunks_IsJoined()
    {
        var parser = new FileTagParser();
        var files = new List<ParsedFile>();
        const string smile = "\U0001F642";

        parser.Append("<file path=\"a\">" + smile[0], files);
        parser.Append(smile[1] + "</file>", files);

        files.Should().Equal(new ParsedFile("a", smile));
    }

    internal static List<ParsedFile> Parse(string text)
    {
        var parser = new FileTagParser();
        var files = new List<ParsedFile>();
        parser.Append(text, files);
        return files;
    }
}
