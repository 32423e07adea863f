using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Live;

/// <summary>
/// A watcher of one generation over HTTP: its stream (from the start, or after a <c>GET /live</c> from its sequence),
/// read event by event into <see cref="LiveTexts"/>.
/// </summary>
internal sealed class LiveWatcher : IAsyncDisposable
{
    private readonly HttpResponseMessage _response;
    private readonly IAsyncEnumerator<SseItem<string>> _events;

    private LiveWatcher(HttpResponseMessage response)
    {
        _response = response;
        _events = response.ReadEventsAsync().GetAsyncEnumerator();
    }

    public LiveTexts Texts { get; } = new();

    /// <summary>The ids of the events read, in order.</summary>
    public List<long> Sequences { get; } = [];

    /// <summary>The deltas read, as (file, offset, length).</summary>
    public List<(string File, int Offset, int Length)> Deltas { get; } = [];

    /// <summary>Opens the stream, from the start or after <paramref name="after"/> (<c>Last-Event-ID</c>).</summary>
    public static async Task<LiveWatcher> OpenAsync(HttpClient client, string generationId, string token, long? after = null)
    {
        var response = await client.GetStreamAsync(generationId, token, lastEventId: after);
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        return new LiveWatcher(response);
    }

    /// <summary>Reads <c>GET /live</c>, then opens the stream after its sequence with its texts loaded: what a reloaded page does.</summary>
    public static async Task<(LiveWatcher Watcher, GenerationLive Live)> ReloadAsync(HttpClient client, string generationId, string token)
    {
        var live = await GetLiveAsync(client, generationId, token);
        var watcher = await OpenAsync(client, generationId, token, live.Sequence);
        watcher.Texts.Load(live);
        return (watcher, live);
    }

    /// <summary><c>GET {prefix}/{id}/live</c> with the token in the Authorization header; checks the 200 and its caching.</summary>
    public static async Task<GenerationLive> GetLiveAsync(HttpClient client, string generationId, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{generationId}/live");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var response = await client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/json");
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationLive))!;
    }

    /// <summary>Reads events, applying each, until <paramref name="done"/> holds for one; fails on a gap or the stream's end.</summary>
    public async Task<StreamingProgressEvent> ReadUntilAsync(Func<StreamingProgressEvent, bool> done)
    {
        while (true)
        {
            (await _events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue("the stream goes on until the awaited event");
            var item = _events.Current;
            var progressEvent = item.ToProgressEvent();
            Sequences.Add(item.Sequence());
            if (progressEvent.PartialOutput is { } output && output.TryGetValue(LiveOutputKeys.Offset, out var offset))
            {
                Deltas.Add((output[LiveOutputKeys.File].GetString()!, offset.GetInt32(), output[LiveOutputKeys.Text].GetString()!.Length));
            }

            Texts.Apply(progressEvent).Should().BeTrue($"event {item.EventId} continues the known text (no gap)");
            if (done(progressEvent))
            {
                return progressEvent;
            }
        }
    }

    /// <summary>Reads until the delta of <paramref name="path"/> that ends at <paramref name="length"/>.</summary>
    public Task<StreamingProgressEvent> ReadToAsync(string path, int length) => ReadUntilAsync(e => LiveTexts.EndsAt(e, path, length));

    public async ValueTask DisposeAsync()
    {
        await _events.DisposeAsync();
        _response.Dispose();
    }
}
