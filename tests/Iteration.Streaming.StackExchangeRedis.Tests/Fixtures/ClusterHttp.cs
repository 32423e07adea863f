using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>The HTTP calls the scale-out tests make against any instance.</summary>
public static class ClusterHttp
{
    public static async Task<HttpResponseMessage> SendAsync(this HttpClient client, HttpMethod method, string url, string token)
    {
        using var request = new HttpRequestMessage(method, url.TrimStart('/'));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return await client.SendAsync(request).WithPatience();
    }

    public static async Task<GenerationSnapshot> SnapshotAsync(this HttpClient client, GenerationStartedResponse started)
    {
        using var response = await client.SendAsync(HttpMethod.Get, started.StatusUrl, started.SseToken);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationSnapshot))!;
    }

    /// <summary>Starts an iteration with the parent's control token in the Authorization header.</summary>
    public static Task<HttpResponseMessage> IterateAsync(this HttpClient client, string parentId, string? controlToken, string prompt = "Add a due date")
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "generations/iterate")
        {
            Content = JsonContent.Create(
                new IterateGenerationRequest { ParentGenerationId = parentId, ModificationPrompt = prompt },
                IterationStreamingJson.IterateGenerationRequest),
        };
        if (controlToken is not null)
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", controlToken);
        }

        return client.SendAsync(request).WithPatience();
    }

    /// <summary>Reads until an event satisfies <paramref name="done"/>, and returns it.</summary>
    /// <param name="events">The stream.</param>
    /// <param name="done">Whether an event is the one awaited.</param>
    /// <param name="skipped">Receives the events read before it.</param>
    public static async Task<SseItem<string>> ReadUntilAsync(
        this IAsyncEnumerator<SseItem<string>> events, Func<StreamingProgressEvent, bool> done, Action<SseItem<string>>? skipped = null)
    {
        while (true)
        {
            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue("the stream should go on until the awaited event");
            if (done(events.Current.ToProgressEvent()))
            {
                return events.Current;
            }

            skipped?.Invoke(events.Current);
        }
    }

    /// <summary>Lets the default plan's four phases (one entity) finish at once with one file each.</summary>
    public static async Task FinishRunAsync(this ControlledPhaseGenerator generator, int fromPhase = 1, int phases = 4)
    {
        for (var phase = fromPhase; phase <= phases; phase++)
        {
            (await generator.NextPhaseAsync()).Yield($"phase{phase}.txt", $"phase {phase}").Complete();
        }
    }

    /// <summary>Sequence numbers are exactly 1..n: nothing missing, nothing twice.</summary>
    public static void ShouldBeContiguousFromOne(this IReadOnlyList<SseItem<string>> events) =>
        events.Select(e => e.Sequence()).Should().Equal(Enumerable.Range(1, events.Count).Select(i => (long)i));
}
