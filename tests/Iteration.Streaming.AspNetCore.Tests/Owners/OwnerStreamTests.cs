using System.Net.Http.Json;
using FluentAssertions;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestHost;
using Xunit;

namespace Iteration.Streaming.AspNetCore.Tests.Owners;

/// <summary>The owner's multiplexed stream (<c>GET /generations/stream?owner=me</c>) over Kestrel.</summary>
public sealed class OwnerStreamTests
{
    [Fact]
    public async Task OwnerStream_GenerationStartedAfterConnecting_JoinsFromItsFirstEvent()
    {
        await using var signedIn = await SignedInHost.StartAsync();
        var alice = await signedIn.SignInAsync("alice");
        using var stream = await alice.GetAsync("generations/stream?owner=me", HttpCompletionOption.ResponseHeadersRead);
        stream.EnsureSuccessStatusCode();

        using var started = await alice.PostAsJsonAsync("generations", new StartGenerationRequest { Prompt = "Build a task app", Entities = ["Task"] }, IterationStreamingJson.StartGenerationRequest);
        var id = (await started.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!.GenerationId;

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var events = new List<StreamingProgressEvent>();
        await foreach (var item in stream.ReadEventsAsync(timeout.Token))
        {
            var progress = item.ToProgressEvent();
            events.Add(progress);
            if (progress.IsTerminal)
            {
                break;
            }
        }

        using var single = await alice.GetAsync($"generations/{id}/stream", HttpCompletionOption.ResponseHeadersRead);
        var own = await single.ReadAllEventsAsync();
        events.Should().AllSatisfy(e => e.GenerationId.Should().Be(id));
        events.Select(static e => e.Stage).Should().Equal(own.Select(static i => i.ToProgressEvent().Stage));
    }
}
