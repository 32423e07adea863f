using System.Text;
using CsCheck;
using Iteration.Streaming.AI.Exchange;

namespace Iteration.Streaming.AI.Tests.Exchange;

/// <summary>The parser against random documents cut at random places (CsCheck; shrinks a failure to a small case).</summary>
public sealed class FileTagParserPropertyTests
{
    // Pieces that stress the format: tag look-alikes, partial closing tags, line breaks, backticks, non-ASCII.
    private static readonly string[] Fragments =
    [
        "a", "xyz", " ", "\n", "\r\n", "\r", "`", "```", "<", ">", "/", "\"", "</", "</f", "</fil", "</file", "</FILE>",
        "<file", "<file path=\"", "<file path=\"q\"", "<file path=\"q\">", "é", "\U0001F642", "\t", "file", "path=",
    ];

    private static readonly Gen<string> Text = Gen.OneOf(Fragments).Array[0, 24].Select(string.Concat);

    private static readonly Gen<string> Content = Text.Where(t => !t.Contains(FileTagParser.CloseTag, StringComparison.Ordinal));

    private static readonly Gen<string> Path = Gen.OneOf("a.cs", "src/App.tsx", "docs/read me.md", "x", "deep/er/path/file.json");

    // Text between files, without '<' so that it never opens a tag.
    private static readonly Gen<string> Outside = Text.Select(t => t.Replace("<", string.Empty, StringComparison.Ordinal));

    private static readonly Gen<(string Path, string Content, string Separator)> File =
        Gen.Select(Path, Content, Gen.OneOf("\n", "\r\n", string.Empty))
            .Select((p, c, s) => (p, c, s.Length == 0 && (c.StartsWith('\n') || c.StartsWith('\r')) ? "\n" : s));

    private static readonly Gen<(string Document, List<ParsedFile> Expected)> Document =
        Gen.Select(File.List[0, 5], Outside.Array[6]).Select((files, outside) =>
        {
            var document = new StringBuilder(outside[0]);
            for (var i = 0; i < files.Count; i++)
            {
                var (path, content, separator) = files[i];
                document.Append("<file path=\"").Append(path).Append("\">").Append(separator).Append(content).Append("</file>").Append(outside[(i + 1) % outside.Length]);
            }

            return (document.ToString(), files.Select(f => new ParsedFile(f.Path, f.Content)).ToList());
        });

    [Fact]
    public void Append_DocumentBuiltFromFiles_GivesExactlyThoseFiles()
    {
        Document.Sample(
            sample => FileTagParserTests.Parse(sample.Document).Should().Equal(sample.Expected),
            iter: 2_000);
    }

    [Fact]
    public void Append_DocumentCutAtRandomPlaces_GivesTheSameFilesAsWhole()
    {
        var cut = Document.SelectMany(sample => Gen.Int[0, sample.Document.Length].Array[0, 40].Select(points => (sample.Document, sample.Expected, points)));

        cut.Sample(
            sample =>
            {
                var files = ParseInChunks(sample.Document, sample.points);
                files.Should().Equal(sample.Expected);
            },
            iter: 2_000);
    }

    [Fact]
    public void Append_AnyTextCutAtRandomPlaces_GivesTheSameFilesAndStateAsWhole()
    {
        var anyText = Gen.Select(Text.Array[1, 6], Gen.OneOf("<file path=\"p\">", "</file>", "<file path=\"p\">\r\n", "\r\n</file>").Array[1, 6])
            .Select((texts, tags) => string.Concat(texts.Zip(tags, (t, g) => t + g)));
        var cut = anyText.SelectMany(text => Gen.Int[0, text.Length].Array[0, 40].Select(points => (text, points)));

        cut.Sample(
            sample =>
            {
                var whole = new FileTagParser();
                var wholeFiles = new List<ParsedFile>();
                whole.Append(sample.text, wholeFiles);

                var pieces = new FileTagParser();
                var pieceFiles = ParseInChunks(sample.text, sample.points, pieces);

                pieceFiles.Should().Equal(wholeFiles);
                pieces.CurrentPath.Should().Be(whole.CurrentPath);
                pieces.TotalLength.Should().Be(whole.TotalLength);
            },
            iter: 2_000);
    }

    private static List<ParsedFile> ParseInChunks(string text, int[] points, FileTagParser? parser = null)
    {
        parser ??= new FileTagParser();
        var files = new List<ParsedFile>();
        var start = 0;
        foreach (var point in points.Order())
        {
            parser.Append(text.AsSpan(start, point - start), files);
            start = point;
        }

        parser.Append(text.AsSpan(start), files);
        return files;
    }
}
