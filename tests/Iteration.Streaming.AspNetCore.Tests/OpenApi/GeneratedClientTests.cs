using System.Runtime.CompilerServices;
using System.Text.Json;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AspNetCore.Tests.OpenApi;

/// <summary>
/// A client generated from the live document by a real generator (<c>@hey-api/openapi-ts</c>), compiled and called
/// against the host on Kestrel: start, the SSE stream read to its end, a file whose path holds '/', cancel.
/// </summary>
public sealed class GeneratedClientTests(OpenApiGeneratorFixture generator) : IClassFixture<OpenApiGeneratorFixture>
{
    private const string FilePath = "src/app/main.py";
    private const string FileContent = "print('hello from a generated client')\n";

    [Fact]
    public async Task GeneratedClient_StartStreamFileAndCancel_WorkAgainstTheHost()
    {
        await using var host = await OpenApiTestHost.StartAsync(new FileThenWaitGenerator());

        var seen = await generator.RunAsync(host.BaseAddress, FilePath);

        seen.GetProperty("startStatus").GetInt32().Should().Be(202);
        seen.GetProperty("fileStatus").GetInt32().Should().Be(200);
        seen.GetProperty("fileContent").GetString().Should().Be(FileContent);
        seen.GetProperty("cancelStatus").GetInt32().Should().Be(202);
        var events = seen.GetProperty("events").EnumerateArray().ToList();
        events.Select(e => e.GetProperty("stage").GetString()).Should().Contain("phase_1_complete");
        events[^1].GetProperty("status").GetString().Should().Be("cancelled");
        seen.GetProperty("withoutTokenStatus").GetInt32().Should().Be(401);
    }

    [Fact]
    public async Task GeneratedClient_FilePath_IsSentPercentEncodedAndStillAnswered()
    {
        await using var host = await OpenApiTestHost.StartAsync(new FileThenWaitGenerator());

        var seen = await generator.RunAsync(host.BaseAddress, FilePath);

        // What the generator does with a '/' in a path parameter: it encodes it, and the endpoint decodes %2F.
        seen.GetProperty("fileUrl").GetString().Should().EndWith("/files/src%2Fapp%2Fmain.py");
        seen.GetProperty("fileStatus").GetInt32().Should().Be(200);
    }

    /// <summary>Phase 1 saves one file; the next phase waits until the run is cancelled.</summary>
    private sealed class FileThenWaitGenerator : IPhaseGenerator
    {
        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            if (context.Phase.Number == 1)
            {
                yield return GeneratedFile.FromText(FilePath, FileContent);
                yield break;
            }

            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
    }
}
