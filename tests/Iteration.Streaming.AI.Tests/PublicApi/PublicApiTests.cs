using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.AI.Tests.PublicApi;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedFile()
    {
        var approved = Path.Combine(SourceDirectory(), "Iteration.Streaming.AI.approved.txt");

        var failure = PublicApiPrinter.Verify(typeof(ChatClientGeneratorOptions).Assembly, approved);

        failure.Should().BeNull();
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
