using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Sample.Web.Tests.Durability;

/// <summary>
/// One watcher of one generation across host restarts: every event it receives, with its id, in order; each
/// connection resumes with <c>Last-Event-ID</c> where the last one stopped, like a browser's EventSource.
/// </summary>
public sealed class GenerationWatcher(GenerationStartedResponse started)
{
    private readonly Lock _gate = new();
    private readonly List<(long Id, StreamingProgressEvent Event)> _received = [];

    public string GenerationId => started.GenerationId;

    public string SseToken => started.SseToken;

    public string? ControlToken => started.ControlToken;

    public IReadOnlyList<(long Id, StreamingProgressEvent Event)> Received
    {
        get
        {
            lock (_gate)
            {
                return [.. _received];
            }
        }
    }

    public long LastId
    {
        get
        {
            lock (_gate)
            {
                return _received.Count == 0 ? 0 : _received[^1].Id;
            }
        }
    }

    public bool IsFinished
    {
        get
        {
            lock (_gate)
            {
                return _received.Count > 0 && GenerationStatus.IsTerminal(_received[^1].Event.Status);
            }
        }
    }

    /// <summary>Reads until the stream ends: terminal event, 204, or the host going away. Never throws for a lost connection.</summary>
    /// <param name="onEvent">Called after each event is recorded.</param>
    public async Task ReadAsync(HttpClient client, Action onEvent, CancellationToken cancellationToken)
    {
        if (IsFinished)
        {
            return;
        }

        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, started.StreamUrl);
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.SseToken);
            if (LastId > 0)
            {
                request.Headers.Add("Last-Event-ID", LastId.ToString(System.Globalization.CultureInfo.InvariantCulture));
            }

            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                return;
            }

            response.EnsureSuccessStatusCode();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken))
            {
                var progress = JsonSerializer.Deserialize(item.Data, IterationStreamingJson.StreamingProgressEvent)!;
                lock (_gate)
                {
                    _received.Add((long.Parse(item.EventId!, System.Globalization.CultureInfo.InvariantCulture), progress));
                }

                onEvent();
            }
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or OperationCanceledException)
        {
            // The host died or the test stopped reading: the next connection resumes from LastId.
        }
    }

    public static Task<GenerationWatcher> StartAsync(HttpClient client, string prompt, params string[] entities) =>
        StartAsync(client, new { prompt, entities });

    /// <summary>Starts a generation with review gates (<c>review: {plan, after_phases}</c>).</summary>
    public static Task<GenerationWatcher> StartReviewedAsync(HttpClient client, string prompt, bool plan, int[] afterPhases, params string[] entities) =>
        StartAsync(client, new { prompt, entities, review = new { plan, after_phases = afterPhases } });

    private static async Task<GenerationWatcher> StartAsync(HttpClient client, object body)
    {
        using var response = await client.PostAsJsonAsync("/generations", body);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        var started = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse);
        return new GenerationWatcher(started!);
    }
}
