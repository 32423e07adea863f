using Iteration.Streaming.Azure.Storage.Blobs.Hosting;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Azure.Storage.Blobs.Tests.PublicApi;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedFile()
    {
        var approved = Path.Combine(SourceDirectory(), "Iteration.Streaming.Azure.Storage.Blobs.approved.txt");

        var failure = PublicApiPrinter.Verify(typeof(AzureBlobFileSinkOptions).Assembly, approved);

        failure.Should().BeNull();
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
