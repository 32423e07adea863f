using Iteration.Streaming.Engine;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.PublicApi;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedFile()
    {
        var approved = Path.Combine(SourceDirectory(), "Iteration.Streaming.approved.txt");

        var failure = PublicApiPrinter.Verify(typeof(IIterationEngine).Assembly, approved);

        failure.Should().BeNull();
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
