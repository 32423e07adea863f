using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Gates;

/// <summary>The HTTP calls the gate tests make: starts with a raw JSON body, input with a token, reads of the stream.</summary>
internal static class GateHttp
{
    public const string PlanAndPhaseOne = "{\"plan\":true,\"after_phases\":[1]}";

    public static async Task<GenerationStartedResponse> StartReviewedAsync(this HttpClient client, string review, string entities = "[\"User\"]")
    {
        using var response = await client.PostAsync(
            "generations", new StringContent($"{{\"prompt\":\"Build a task app\",\"entities\":{entities},\"review\":{review}}}", Encoding.UTF8, "application/json"));
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
    }

    /// <summary>Posts <paramref name="body"/> to <c>/input</c> with <paramref name="token"/> (none when null) as JSON, or as <paramref name="contentType"/>.</summary>
    public static async Task<HttpResponseMessage> SendInputAsync(this HttpClient client, string id, string? token, string body, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, $"generations/{id}/input")
        {
            Content = new StringContent(body, Encoding.UTF8, contentType),
        };
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return await client.SendAsync(request);
    }

    /// <summary>Sends input that must be accepted; the 202 body.</summary>
    public static async Task<GenerationInputAccepted> AcceptedInputAsync(this HttpClient client, GenerationStartedResponse started, string body)
    {
        using var response = await client.SendInputAsync(started.GenerationId, started.ControlToken, body);
        response.StatusCode.Should().Be(System.Net.HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationInputAccepted))!;
    }

    /// <summary>Reads events until one passes <paramref name="done"/>; returns it with its SSE id.</summary>
    public static async Task<(StreamingProgressEvent Event, long Id)> ReadUntilAsync(this IAsyncEnumerator<SseItem<string>> events, Func<StreamingProgressEvent, bool> done, List<StreamingProgressEvent>? seen = null)
    {
        while (true)
        {
            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue("the stream ended before the awaited event");
            var e = events.Current.ToProgressEvent();
            seen?.Add(e);
            if (done(e))
            {
                return (e, events.Current.Sequence());
            }
        }
    }

    public static Func<StreamingProgressEvent, bool> Stage(string stage) => e => e.Stage == stage;
}
