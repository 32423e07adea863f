using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>Generated file paths every sink and the engine must refuse (<c>.git</c> segments and non-NFC spellings included).</summary>
public static class HostilePaths
{
    public static TheoryData<string> All => new()
    {
        "",
        "/etc/passwd",
        "//server/share/file.txt",
        "C:/Windows/win.ini",
        "c:file.txt",
        "..",
        "../escape.txt",
        "src/../../escape.txt",
        "src/..",
        "./src/file.txt",
        "src/./file.txt",
        "..\\escape.txt",
        "src\\..\\..\\escape.txt",
        "\\\\server\\share\\file.txt",
        "src//file.txt",
        "src/",
        "src/file.txt/",
        "src/file.txt\0.png",
        "src/new\nline.txt",
        "src/tab\there.txt",
        "src/\u001bescape.txt",
        "src/\u202Etxt.exe",
        "src/zero\u200Bwidth.txt",
        "src/file.txt:stream",
        "src/trailing.",
        "src/trailing ",
        " leading.txt",
        "src/CON",
        "src/nul.txt",
        "src/lpt1.log",
        "src/what?.txt",
        "src/star*.txt",
        "src/<angle>.txt",
        "src/pipe|.txt",
        "src/quote\".txt",
        "~/home.txt",
        ".git/config",
        ".GIT/hooks/pre-commit",
        "src/.Git/config",
        "src/.git",
        "vendor/lib/.git/hooks/post-checkout",
        "GIT~1/config",
        "cafe\u0301.txt",
        "docs/A\u030A.md",
        "units/\u212A.txt",
        new string('a', 101),
        "src/" + new string('b', 97),
    };
}
