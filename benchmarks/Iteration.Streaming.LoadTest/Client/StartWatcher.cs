using System.Diagnostics;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// Starts generations as a browser does: <c>POST /generations</c> (the real start route), and as soon as its 202 arrives
/// <c>GET {stream_url}?token={sse_token}</c>, read to the end (the server closes the stream after the terminal event).
/// Times each start from the moment its POST is sent to its stream's first event frame (<c>id:</c>/<c>data:</c>, dispatched
/// at its blank line; the <c>retry:</c> line and comments are not events), on this client's clock.
/// </summary>
internal sealed class StartWatcher : IDisposable
{
    /// <summary>How long one start may take, from its POST to the end of its stream.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    private static readonly MediaTypeHeaderValue Json = new("application/json");
    private static readonly MediaTypeWithQualityHeaderValue EventStream = new("text/event-stream");

    private readonly HttpClient _http;
    private readonly byte[] _body = JsonSerializer.SerializeToUtf8Bytes(
        new StartGenerationRequest { Prompt = "time to first event" }, IterationStreamingJson.StartGenerationRequest);

    public StartWatcher(Uri baseAddress)
    {
        // Every start has a connection of its own (none waits for another's), and a finished stream's goes back to the
        // pool as a browser keeps its connections alive.
        _http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5),
            UseProxy = false,
        })
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
        };
    }

    /// <summary><paramref name="count"/> starts, each after the previous one's run ended.</summary>
    public async Task SequentialAsync(int count, FirstEventSample sample)
    {
        for (var i = 0; i < count; i++)
        {
            await StartAsync(sample);
        }
    }

    /// <summary><paramref name="count"/> starts released at once; returns when every run ended (or timed out).</summary>
    public async Task ConcurrentAsync(int count, FirstEventSample sample)
    {
        var gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var starts = new Task[count];
        for (var i = 0; i < count; i++)
        {
            starts[i] = StartAfterAsync(gate.Task, sample);
        }

        gate.SetResult();
        await Task.WhenAll(starts);
    }

    public void Dispose() => _http.Dispose();

    private async Task StartAfterAsync(Task gate, FirstEventSample sample)
    {
        await gate;
        await StartAsync(sample);
    }

    private async Task StartAsync(FirstEventSample sample)
    {
        using var timeout = new CancellationTokenSource(StartTimeout);
        var sent = Stopwatch.GetTimestamp();
        var first = true;
        string? last = null;
        var events = 0;
        try
        {
            GenerationStartedResponse? started;
            using (var post = new HttpRequestMessage(HttpMethod.Post, "generations") { Content = new ByteArrayContent(_body) })
            {
                post.Content.Headers.ContentType = Json;
                using var answer = await _http.SendAsync(post, timeout.Token);
                if (!answer.IsSuccessStatusCode)
                {
                    var detail = await answer.Content.ReadAsStringAsync(timeout.Token);
                    sample.Error($"POST /generations answered {(int)answer.StatusCode}: {detail[..Math.Min(200, detail.Length)]}");
                    return;
                }

                started = await answer.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse, timeout.Token);
            }

            sample.Answered.RecordTicks(Stopwatch.GetTimestamp() - sent);
            if (started is null)
            {
                sample.Error("POST /generations answered 202 without a body.");
                return;
            }

            using var get = new HttpRequestMessage(HttpMethod.Get, started.StreamUrl + "?token=" + Uri.EscapeDataString(started.SseToken));
            get.Headers.Accept.Add(EventStream);
            using var response = await _http.SendAsync(get, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            if (!response.IsSuccessStatusCode)
            {
                sample.Error($"GET {{id}}/stream answered {(int)response.StatusCode}.");
                return;
            }

            await using var body = await response.Content.ReadAsStreamAsync(timeout.Token);
            await foreach (var item in SseParser.Create(body).EnumerateAsync(timeout.Token))
            {
                if (first)
                {
                    sample.FirstEvent.RecordTicks(Stopwatch.GetTimestamp() - sent);
                    first = false;
                    sample.Began(Describe(item.Data, withStage: true));
                }

                last = item.Data;
                events++;
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            sample.Error(first
                ? $"No event within {StartTimeout.TotalSeconds:F0} s of the POST."
                : $"The stream did not end within {StartTimeout.TotalSeconds:F0} s of the POST.");
            return;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException or JsonException)
        {
            sample.Error($"{ex.GetType().Name}: {ex.Message}");
            return;
        }

        if (first)
        {
            sample.Error("The stream ended before its first event.");
        }
        else
        {
            sample.Ended(Describe(last!, withStage: false), events);
        }
    }

    /// <summary>An event's status (and stage), read from its JSON.</summary>
    private static string Describe(string data, bool withStage)
    {
        using var json = JsonDocument.Parse(data);
        var root = json.RootElement;
        var status = root.TryGetProperty("status", out var s) ? s.GetString() : null;
        var stage = root.TryGetProperty("stage", out var t) ? t.GetString() : null;
        return withStage ? $"{status}/{stage}" : status ?? "?";
    }
}
