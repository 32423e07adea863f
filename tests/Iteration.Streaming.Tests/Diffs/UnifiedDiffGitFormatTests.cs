using Iteration.Streaming.Diffs;

namespace Iteration.Streaming.Tests.Diffs;

/// <summary>The diff text against what real <c>git diff</c> writes for the same change (less its <c>index</c> line).</summary>
public sealed class UnifiedDiffGitFormatTests
{
    private static string Numbered(int count, int changed = 0, string replacement = "") =>
        string.Concat(Enumerable.Range(1, count).Select(i => (i == changed ? replacement : i.ToString(System.Globalization.CultureInfo.InvariantCulture)) + "\n"));

    public static TheoryData<string, string?, string?> Changes() => new()
    {
        { "added.txt", null, "a\nb\n" },
        { "deleted.txt", "a\nb\n", null },
        { "empty-added.txt", null, string.Empty },
        { "empty-deleted.txt", string.Empty, null },
        { "one.txt", "a\n", "b\n" },
        { "filled.txt", string.Empty, "x\ny\n" },
        { "emptied.txt", "x\ny\n", string.Empty },
        { "far.txt", Numbered(20, 19, "nineteen"), Numbered(20, 2, "two") },
        { "middle.txt", Numbered(30), Numbered(30, 15, "fifteen") },
        { "merged.txt", Numbered(12), Numbered(12, 2, "x").Replace("9\n", "y\n", StringComparison.Ordinal) },
        { "apart.txt", Numbered(13), Numbered(13, 2, "x").Replace("\n10\n", "\ny\n", StringComparison.Ordinal) },
        { "old-no-newline.txt", "a\nb", "a\nc\n" },
        { "new-no-newline.txt", "a\nb\n", "a\nc" },
        { "both-no-newline.txt", "a\nb", "x\nb" },
        { "newline-added.txt", "a", "a\n" },
        { "added-no-newline.txt", null, "a" },
        { "crlf.txt", "a\r\nb\r\nc\r\n", "a\r\nB\r\nc\r\n" },
        { "to-crlf.txt", "a\nb\n", "a\r\nb\r\n" },
        { "docs/read me.md", "a\n", "b\n" },
        { "src/café.txt", "a\n", "b\n" },
        { "é x.txt", null, "b\n" },
        { "music/\U0001D11E clef.txt", "a\nb\n", null },
    };

    [Theory]
    [MemberData(nameof(Changes))]
    public async Task Create_AnyChange_WritesWhatGitDiffWrites(string path, string? oldText, string? newText)
    {
        using var repository = await GitRepository.CreateAsync();
        if (oldText is not null)
        {
            repository.WriteFile(path, oldText);
        }

        await repository.StageAllAsync();
        await repository.CommitAsync();
        if (newText is null)
        {
            repository.DeleteFile(path);
        }
        else
        {
            repository.WriteFile(path, newText);
        }

        await repository.StageAllAsync();
        var expected = await repository.StagedDiffAsync();

        var diff = UnifiedDiff.Create(path, oldText, newText);

        diff.Text.Should().Be(expected);
    }
}
