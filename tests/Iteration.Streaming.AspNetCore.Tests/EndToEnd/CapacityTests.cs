using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.EndToEnd;

public sealed class CapacityTests
{
    [Fact]
    public async Task Start_WhenTheQueueIsFull_Answers503WithRetryAfter()
    {
        var generator = new ControlledPhaseGenerator();
        await using var host = await KestrelTestHost.StartAsync(
            o =>
            {
                o.MaxConcurrentGenerations = 1;
                o.MaxQueuedGenerations = 0;
            },
            generator: generator);
        var client = host.CreateClient();
        await host.StartGenerationAsync(client);
        var running = await generator.NextPhaseAsync();

        using var refused = await client.PostAsJsonAsync("generations", new StartGenerationRequest { Prompt = "x" }, IterationStreamingJson.StartGenerationRequest);

        await refused.ShouldBeProblemAsync(HttpStatusCode.ServiceUnavailable);
        refused.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(5));
        running.Complete();
    }
}
