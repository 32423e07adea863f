namespace Iteration.Streaming.Client.Tests.PublicApi;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedFile()
    {
        var approved = Path.Combine(SourceDirectory(), "Iteration.Streaming.Client.approved.txt");

        var failure = PublicApiPrinter.Verify(typeof(IterationClient).Assembly, approved);

        failure.Should().BeNull();
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
