using Iteration.Streaming.Diffs;

namespace Iteration.Streaming.Tests.Diffs;

/// <summary>The text of one file's diff: headers, hunk ranges, context and merging, missing final newlines, CRLF, paths.</summary>
public sealed class UnifiedDiffTests
{
    private static string Numbered(int count, Func<int, string>? change = null) =>
        string.Concat(Enumerable.Range(1, count).Select(i => (change?.Invoke(i) ?? i.ToString(System.Globalization.CultureInfo.InvariantCulture)) + "\n"));

    [Fact]
    public void Create_AddedFile_WritesNewFileModeAndDevNullAsOldSide()
    {
        var diff = UnifiedDiff.Create("src/x.txt", null, "a\nb\n");

        diff.Text.Should().Be("diff --git a/src/x.txt b/src/x.txt\nnew file mode 100644\n--- /dev/null\n+++ b/src/x.txt\n@@ -0,0 +1,2 @@\n+a\n+b\n");
    }

    [Fact]
    public void Create_DeletedFile_WritesDeletedFileModeAndDevNullAsNewSide()
    {
        var diff = UnifiedDiff.Create("src/x.txt", "a\nb\n", null);

        diff.Text.Should().Be("diff --git a/src/x.txt b/src/x.txt\ndeleted file mode 100644\n--- a/src/x.txt\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n");
    }

    [Fact]
    public void Create_AddedEmptyFile_WritesTheHeaderAlone()
    {
        var diff = UnifiedDiff.Create("e.txt", null, string.Empty);

        diff.Should().Be(new UnifiedFileDiff("diff --git a/e.txt b/e.txt\nnew file mode 100644\n", 0, 0));
    }

    [Fact]
    public void Create_DeletedEmptyFile_WritesTheHeaderAlone()
    {
        var diff = UnifiedDiff.Create("e.txt", string.Empty, null);

        diff.Should().Be(new UnifiedFileDiff("diff --git a/e.txt b/e.txt\ndeleted file mode 100644\n", 0, 0));
    }

    [Fact]
    public void Create_OneLineReplaced_WritesSingleLineRangesWithoutCounts()
    {
        var diff = UnifiedDiff.Create("x", "a\n", "b\n");

        diff.Should().Be(new UnifiedFileDiff("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n+b\n", 1, 1));
    }

    [Fact]
    public void Create_EmptyFileGetsALine_WritesZeroOldRange()
    {
        var diff = UnifiedDiff.Create("x", string.Empty, "x\n");

        diff.Text.Should().Be("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -0,0 +1 @@\n+x\n");
    }

    [Fact]
    public void Create_FileEmptied_WritesZeroNewRange()
    {
        var diff = UnifiedDiff.Create("x", "x\n", string.Empty);

        diff.Text.Should().Be("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +0,0 @@\n-x\n");
    }

    [Fact]
    public void Create_ChangesFarApart_WritesTwoHunksWithThreeLinesOfContext()
    {
        var diff = UnifiedDiff.Create("n.txt", Numbered(20), Numbered(20, i => i switch { 2 => "two", 19 => "nineteen", _ => null! }));

        diff.Text.Should().Be(
            "diff --git a/n.txt b/n.txt\n--- a/n.txt\n+++ b/n.txt\n"
            + "@@ -1,5 +1,5 @@\n 1\n-2\n+two\n 3\n 4\n 5\n"
            + "@@ -16,5 +16,5 @@\n 16\n 17\n 18\n-19\n+nineteen\n 20\n");
    }

    [Fact]
    public void Create_ChangesSixUnchangedLinesApart_MergesThemIntoOneHunk()
    {
        var diff = UnifiedDiff.Create("n.txt", Numbered(12), Numbered(12, i => i switch { 2 => "x", 9 => "y", _ => null! }));

        diff.Text.Should().Be(
            "diff --git a/n.txt b/n.txt\n--- a/n.txt\n+++ b/n.txt\n"
            + "@@ -1,12 +1,12 @@\n 1\n-2\n+x\n 3\n 4\n 5\n 6\n 7\n 8\n-9\n+y\n 10\n 11\n 12\n");
    }

    [Fact]
    public void Create_ChangesSevenUnchangedLinesApart_KeepsTwoHunks()
    {
        var diff = UnifiedDiff.Create("n.txt", Numbered(13), Numbered(13, i => i switch { 2 => "x", 10 => "y", _ => null! }));

        diff.Text.Should().Be(
            "diff --git a/n.txt b/n.txt\n--- a/n.txt\n+++ b/n.txt\n"
            + "@@ -1,5 +1,5 @@\n 1\n-2\n+x\n 3\n 4\n 5\n"
            + "@@ -7,7 +7,7 @@\n 7\n 8\n 9\n-10\n+y\n 11\n 12\n 13\n");
    }

    [Fact]
    public void Create_InsertionAndDeletion_CountsTheLines()
    {
        var diff = UnifiedDiff.Create("n.txt", Numbered(10), "1\n2\nnew\nnewer\n3\n4\n5\n7\n8\n9\n10\n");

        (diff.AddedLines, diff.DeletedLines).Should().Be((2, 1));
    }

    [Fact]
    public void Create_OldSideWithoutFinalNewline_MarksItsLastLine()
    {
        var diff = UnifiedDiff.Create("x", "a\nb", "a\nc\n");

        diff.Text.Should().Be("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+c\n");
    }

    [Fact]
    public void Create_NewSideWithoutFinalNewline_MarksItsLastLine()
    {
        var diff = UnifiedDiff.Create("x", "a\nb\n", "a\nc");

        diff.Text.Should().Be("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+c\n\\ No newline at end of file\n");
    }

    [Fact]
    public void Create_BothSidesEndInTheSameLineWithoutNewline_MarksTheContextLineOnce()
    {
        var diff = UnifiedDiff.Create("x", "a\nb", "x\nb");

        diff.Text.Should().Be("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n-a\n+x\n b\n\\ No newline at end of file\n");
    }

    [Fact]
    public void Create_OnlyTheFinalNewlineAdded_ReplacesTheLastLine()
    {
        var diff = UnifiedDiff.Create("x", "a", "a\n");

        diff.Should().Be(new UnifiedFileDiff("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1 +1 @@\n-a\n\\ No newline at end of file\n+a\n", 1, 1));
    }

    [Fact]
    public void Create_CrlfLines_KeepsTheCarriageReturns()
    {
        var diff = UnifiedDiff.Create("w.txt", "a\r\nb\r\n", "a\r\nc\r\n");

        diff.Text.Should().Be("diff --git a/w.txt b/w.txt\n--- a/w.txt\n+++ b/w.txt\n@@ -1,2 +1,2 @@\n a\r\n-b\r\n+c\r\n");
    }

    [Fact]
    public void Create_LineEndChangedToCrlf_ReplacesTheLine()
    {
        var diff = UnifiedDiff.Create("w.txt", "a\n", "a\r\n");

        diff.Text.Should().Be("diff --git a/w.txt b/w.txt\n--- a/w.txt\n+++ b/w.txt\n@@ -1 +1 @@\n-a\n+a\r\n");
    }

    [Fact]
    public void Create_LoneCarriageReturn_StaysInsideTheLine()
    {
        var diff = UnifiedDiff.Create("w.txt", "a\rb\n", "a\rc\n");

        diff.Text.Should().Be("diff --git a/w.txt b/w.txt\n--- a/w.txt\n+++ b/w.txt\n@@ -1 +1 @@\n-a\rb\n+a\rc\n");
    }

    [Fact]
    public void Create_PathWithSpaces_EndsTheFileLinesWithATab()
    {
        var diff = UnifiedDiff.Create("docs/read me.md", "a\n", "b\n");

        diff.Text.Should().Be("diff --git a/docs/read me.md b/docs/read me.md\n--- a/docs/read me.md\t\n+++ b/docs/read me.md\t\n@@ -1 +1 @@\n-a\n+b\n");
    }

    [Fact]
    public void Create_NonAsciiPath_QuotesItWithOctalUtf8Bytes()
    {
        var diff = UnifiedDiff.Create("src/café.txt", "a\n", "b\n");

        diff.Text.Should().Be("diff --git \"a/src/caf\\303\\251.txt\" \"b/src/caf\\303\\251.txt\"\n--- \"a/src/caf\\303\\251.txt\"\n+++ \"b/src/caf\\303\\251.txt\"\n@@ -1 +1 @@\n-a\n+b\n");
    }

    [Fact]
    public void Create_NonAsciiPathWithSpace_QuotesItAndEndsTheFileLinesWithATab()
    {
        var diff = UnifiedDiff.Create("é x.txt", null, "b\n");

        diff.Text.Should().Be("diff --git \"a/\\303\\251 x.txt\" \"b/\\303\\251 x.txt\"\nnew file mode 100644\n--- /dev/null\n+++ \"b/\\303\\251 x.txt\"\t\n@@ -0,0 +1 @@\n+b\n");
    }

    [Fact]
    public void Create_SameTextOnBothSides_ReturnsAnEmptyDiff()
    {
        var diff = UnifiedDiff.Create("x", "a\n", "a\n");

        diff.Should().Be(new UnifiedFileDiff(string.Empty, 0, 0));
    }

    [Fact]
    public void Create_NeitherSide_ThrowsNamingThePath()
    {
        var act = () => UnifiedDiff.Create("src/x.txt", null, null);

        act.Should().Throw<ArgumentException>().WithMessage("*'src/x.txt'*both are null*");
    }

    [Fact]
    public void Create_EmptyPath_Throws()
    {
        var act = () => UnifiedDiff.Create(string.Empty, "a", "b");

        act.Should().Throw<ArgumentException>().WithParameterName("path");
    }
}
