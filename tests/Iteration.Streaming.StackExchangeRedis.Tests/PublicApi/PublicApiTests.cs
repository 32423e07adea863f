using Iteration.Streaming.StackExchangeRedis.Hosting;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.PublicApi;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedFile()
    {
        var approved = Path.Combine(SourceDirectory(), "Iteration.Streaming.StackExchangeRedis.approved.txt");

        var failure = PublicApiPrinter.Verify(typeof(IterationStreamingRedisOptions).Assembly, approved);

        failure.Should().BeNull();
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
