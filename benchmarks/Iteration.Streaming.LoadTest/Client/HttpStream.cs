using System.Buffers.Text;
using System.Diagnostics;
using System.Globalization;
using System.Net.ServerSentEvents;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// One SSE stream read through <see cref="HttpClient"/> (h2c, or HTTP/1.1 for comparison), parsed by
/// <see cref="SseParser"/>; records each event's delivery, latency and id order as <see cref="StreamConnection"/> does.
/// </summary>
internal sealed class HttpStream
{
    private static ReadOnlySpan<byte> StampMarker => "#ts"u8;
    private readonly ScenarioMetrics _metrics;
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _previousId;

    public HttpStream(ScenarioMetrics metrics) => _metrics = metrics;

    public long Delivered { get; private set; }

    /// <summary>Completes when the response headers arrived (or the stream failed).</summary>
    public Task Opened => _opened.Task;

    public Task? Receiving { get; private set; }

    public void Start(HttpClient http, Uri uri, Version version, CancellationToken cancellationToken) =>
        Receiving = ReceiveAsync(http, uri, version, cancellationToken);

    private async Task ReceiveAsync(HttpClient http, Uri uri, Version version, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, uri)
            {
                Version = version,
                VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            };
            request.Headers.Accept.ParseAdd("text/event-stream");
            request.Headers.CacheControl = new System.Net.Http.Headers.CacheControlHeaderValue { NoCache = true };
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            if (!response.IsSuccessStatusCode)
            {
                _metrics.Error($"Status: {(int)response.StatusCode} {response.ReasonPhrase} (HTTP/{response.Version})");
                return;
            }

            if (response.Version != version)
            {
                _metrics.Error($"Asked for HTTP/{version}, got HTTP/{response.Version}.");
                return;
            }

            _metrics.Open.RecordTicks(Stopwatch.GetTimestamp() - started);
            _metrics.StreamOpened();
            _opened.TrySetResult();
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
            var parser = SseParser.Create(body, (_, data) => Stamp(data));
            await foreach (var item in parser.EnumerateAsync(cancellationToken))
            {
                Event(item.Data, item.EventId, started);
            }

            _metrics.StreamEnded();
        }
        catch (Exception) when (cancellationToken.IsCancellationRequested)
        {
            // The scenario is over.
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException)
        {
            _metrics.Error($"{ex.GetType().Name}: {ex.Message}");
        }
        finally
        {
            _opened.TrySetResult();
        }
    }

    /// <summary>The producer's timestamp in an event's message (<c>#ts…</c>), or 0.</summary>
    private long Stamp(ReadOnlySpan<byte> data)
    {
        if (!_metrics.RecordLatency)
        {
            return 0;
        }

        var at = data.IndexOf(StampMarker);
        return at >= 0 && Utf8Parser.TryParse(data[(at + StampMarker.Length)..], out long stamp, out _) ? stamp : 0;
    }

    private void Event(long stamp, string? eventId, long started)
    {
        var now = Stopwatch.GetTimestamp();
        Delivered++;
        _metrics.Delivered(now);
        if (Delivered == 1)
        {
            _metrics.FirstEvent.RecordTicks(now - started);
        }

        if (stamp > 0)
        {
            _metrics.Latency.RecordTicks(now - stamp);
        }

        if (eventId is null)
        {
            return;
        }

        if (!long.TryParse(eventId, NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            _metrics.Error("An event id is not a number.");
            return;
        }

        if (_previousId > 0 && id != _previousId + 1)
        {
            _metrics.OutOfOrder();
        }

        _previousId = id;
    }
}
