using Iteration.Streaming.Files;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Files;

public sealed class FilePathValidatorTests
{
    [Theory]
    [MemberData(nameof(Hostile))]
    public void FindProblem_HostilePath_NamesAProblem(string path)
    {
        FilePathValidator.FindProblem(path, maxPathLength: 100).Should().NotBeNull();
    }

    public static TheoryData<string> Hostile => HostilePaths.All;

    [Theory]
    [InlineData("README.md")]
    [InlineData("src/app/main.py")]
    [InlineData(".env.example")]
    [InlineData("src/..hidden/file")]
    [InlineData("a-b_c.d/e f.txt")]
    [InlineData("docs/ünïcödé/日本語.md")]
    [InlineData("emoji/😀.txt")]
    [InlineData("console.log")]
    [InlineData("src/CONFIG.json")]
    [InlineData("caf\u00e9.txt")]
    [InlineData(".gitignore")]
    [InlineData(".github/workflows/ci.yml")]
    [InlineData("src/git/.gitkeep")]
    [InlineData("docs/.git-blame-ignore-revs")]
    public void FindProblem_OrdinaryPath_FindsNone(string path)
    {
        FilePathValidator.FindProblem(path, maxPathLength: 100).Should().BeNull();
    }

    [Theory]
    [InlineData("../x", "'..' segment")]
    [InlineData("/x", "rooted")]
    [InlineData("C:/x", "drive letter")]
    [InlineData("a\\b", "backslash")]
    [InlineData("a//b", "empty segment")]
    [InlineData("a/nul", "reserved device name")]
    [InlineData("a\u0007b", "control character U+0007")]
    [InlineData("a\u202Eb", "invisible formatting character U+202E")]
    [InlineData(".git/config", "a '.git' segment")]
    [InlineData("src/.GIT/hooks/x", "a '.GIT' segment")]
    [InlineData("GIT~1/config", "a 'GIT~1' segment")]
    [InlineData("cafe\u0301.txt", "not in Unicode normalisation form C (NFC)")]
    public void FindProblem_SaysWhatIsWrong(string path, string expected)
    {
        FilePathValidator.FindProblem(path, maxPathLength: 100).Should().Contain(expected);
    }

    [Theory]
    [InlineData(".git/config")]
    [InlineData("src/.GIT/hooks/x")]
    [InlineData("cafe\u0301.txt")]
    public void FindStoredProblem_PathSavedBeforeTheWriteOnlyRules_FindsNone(string path)
    {
        FilePathValidator.FindStoredProblem(path, maxPathLength: 100).Should().BeNull();
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a//b")]
    [InlineData("a\u0007b")]
    public void FindStoredProblem_UnsafePath_NamesAProblem(string path)
    {
        FilePathValidator.FindStoredProblem(path, maxPathLength: 100).Should().NotBeNull();
    }

    [Fact]
    public void FindProblem_TheTwoSpellingsOfCafe_OnlyTheComposedOneIsAccepted()
    {
        var composed = "caf\u00e9.txt";
        var decomposed = "cafe\u0301.txt";

        FilePathValidator.FindProblem(composed, maxPathLength: 100).Should().BeNull();
        FilePathValidator.FindProblem(decomposed, maxPathLength: 100).Should().NotBeNull();
        decomposed.Normalize().Should().Be(composed, "the message's advice, string.Normalize(), gives the accepted spelling");
    }

    [Fact]
    public void FindProblem_OverTheLengthLimit_NamesTheLimit()
    {
        FilePathValidator.FindProblem(new string('a', 11), maxPathLength: 10).Should().Contain("limit of 10 (MaxPathLength)");
    }

    [Fact]
    public void ThrowIfInvalid_EscapesControlCharactersInTheMessage()
    {
        var act = () => FilePathValidator.ThrowIfInvalid("evil\nInjected log line", maxPathLength: 100);

        act.Should().Throw<InvalidGeneratedFileException>()
            .Which.Message.Should().Contain("'evil\\u000aInjected log line'").And.NotContain("\n");
    }

    [Fact]
    public void Show_ShortensLongPaths()
    {
        FilePathValidator.Show(new string('a', 500)).Should().HaveLength(123).And.EndWith("…'");
    }
}
