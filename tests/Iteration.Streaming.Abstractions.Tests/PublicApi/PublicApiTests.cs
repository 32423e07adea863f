using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Abstractions.Tests.PublicApi;

public sealed class PublicApiTests
{
    [Fact]
    public void PublicApi_MatchesApprovedFile()
    {
        var approved = Path.Combine(SourceDirectory(), "Iteration.Streaming.Abstractions.approved.txt");

        var failure = PublicApiPrinter.Verify(typeof(StreamingProgressEvent).Assembly, approved);

        failure.Should().BeNull();
    }

    [Fact]
    public void Assembly_References_OnlyTheFramework()
    {
        var references = typeof(StreamingProgressEvent).Assembly.GetReferencedAssemblies().Select(a => a.Name!);

        references.Should().NotBeEmpty().And.AllSatisfy(name => name.Should().StartWith("System."));
    }

    private static string SourceDirectory([System.Runtime.CompilerServices.CallerFilePath] string path = "") =>
        Path.GetDirectoryName(path)!;
}
