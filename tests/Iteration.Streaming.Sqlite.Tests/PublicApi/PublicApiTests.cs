using Iteration.Streaming.Sqlite.Hosting;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.PublicApi;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedFile()
    {
        var approved = Path.Combine(SourceDirectory(), "Iteration.Streaming.Sqlite.approved.txt");

        var failure = PublicApiPrinter.Verify(typeof(SqliteStoreOptions).Assembly, approved);

        failure.Should().BeNull();
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
