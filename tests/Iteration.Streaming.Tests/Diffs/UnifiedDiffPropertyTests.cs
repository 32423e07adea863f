using System.Text;
using CsCheck;
using Iteration.Streaming.Diffs;

namespace Iteration.Streaming.Tests.Diffs;

/// <summary>
/// Random old and new texts (a small alphabet, LF and CRLF, with and without a final newline, empty, added and
/// deleted files): real <c>git apply</c> takes each diff and turns the old file into the new one byte for byte.
/// </summary>
public sealed class UnifiedDiffPropertyTests
{
    // Paths git writes bare, with a tab after them, and quoted; eight files go into each git apply.
    private static readonly string[] Paths = ["a.txt", "read me.md", "src/café.cs", "deep/er/x.json", "\U0001F642 face.txt", "b", "c.txt", "d/e.txt"];

    // Few distinct lines make long common runs and many equal lines, which is where hunks go wrong.
    private static readonly Gen<string> Line = Gen.Select(Gen.OneOf("a", "b", "c", "d", string.Empty, " ", "a\rb", "é"), Gen.OneOf("\n", "\n", "\r\n"))
        .Select((content, end) => content + end);

    private static readonly Gen<List<string>> Lines = Line.List[0, 16];

    private static readonly Gen<string> Text = Gen.Select(Lines, Gen.Bool)
        .Select((lines, keepFinalNewline) =>
        {
            var text = string.Concat(lines);
            return keepFinalNewline || text.Length == 0 ? text : text[..^1];
        });

    // The new text as edits of the old one (insert, delete, replace at random places), so most pairs are near each other.
    private static readonly Gen<(string Old, string New)> Edited = Gen.Select(Lines, Gen.Select(Gen.Int[0, 2], Gen.Int[0, 20], Line).Array[0, 6], Gen.Bool, Gen.Bool)
        .Select((lines, edits, oldFinal, newFinal) =>
        {
            var edited = new List<string>(lines);
            foreach (var (kind, at, line) in edits)
            {
                var index = Math.Min(at, edited.Count);
                if (kind == 0 || index == edited.Count)
                {
                    edited.Insert(index, line);
                }
                else if (kind == 1)
                {
                    edited.RemoveAt(index);
                }
                else
                {
                    edited[index] = line;
                }
            }

            return (Finish(lines, oldFinal), Finish(edited, newFinal));
        });

    private static readonly Gen<(string? Old, string? New)> Change = Gen.Frequency(
        (6, Edited.Select(e => ((string?)e.Old, (string?)e.New))),
        (2, Gen.Select(Text, Text).Select((o, n) => ((string?)o, (string?)n))),
        (1, Text.Select(t => ((string?)null, (string?)t))),
        (1, Text.Select(t => ((string?)t, (string?)null))));

    private static string Finish(List<string> lines, bool keepFinalNewline)
    {
        var text = string.Concat(lines);
        return keepFinalNewline || text.Length == 0 ? text : text[..^1];
    }

    [Fact]
    public async Task Create_RandomTexts_GitApplyTurnsTheOldFilesIntoTheNewOnesByteForByte()
    {
        using var repository = await GitRepository.CreateAsync();
        var round = 0;

        // 12 rounds of 8 files: 96 diffs in 24 git calls.
        await Change.Array[Paths.Length].SampleAsync(
            async changes =>
            {
                var folder = $"r{++round}/";
                var patch = new StringBuilder();
                for (var i = 0; i < changes.Length; i++)
                {
                    var (oldText, newText) = changes[i];
                    if (oldText is not null)
                    {
                        repository.WriteFile(folder + Paths[i], oldText);
                    }

                    patch.Append(UnifiedDiff.Create(folder + Paths[i], oldText, newText).Text);
                }

                var result = await repository.ApplyAsync(patch.ToString());

                result.ExitCode.Should().Be(0, "git apply refused the patch: {0}\n{1}", result.Error, patch);
                for (var i = 0; i < changes.Length; i++)
                {
                    var path = folder + Paths[i];
                    if (changes[i].New is { } newText)
                    {
                        repository.ReadBytes(path).Should().Equal(Encoding.UTF8.GetBytes(newText), "{0} after the patch\n{1}", path, patch);
                    }
                    else
                    {
                        repository.Exists(path).Should().BeFalse("{0} was deleted\n{1}", path, patch);
                    }
                }
            },
            iter: 12,
            threads: 1);
    }
}
