using Microsoft.AspNetCore.Builder;

namespace Iteration.Streaming.AspNetCore.Tests.PublicApi;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedFile()
    {
        var approved = Path.Combine(SourceDirectory(), "Iteration.Streaming.AspNetCore.approved.txt");

        var failure = PublicApiPrinter.Verify(typeof(IterationStreamEndpointRouteBuilderExtensions).Assembly, approved);

        failure.Should().BeNull();
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
