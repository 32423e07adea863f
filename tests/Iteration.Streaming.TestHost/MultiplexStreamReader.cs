using System.Net;
using System.Net.Http.Headers;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// Reads a multiplexed stream (<c>GET {prefix}/stream</c>) as a browser's <c>EventSource</c> does, over as many
/// connections as the test makes: each connection sends the last id received as <c>Last-Event-ID</c> (or
/// <c>?lastEventId=</c>), and every frame of every connection is kept in order. Not thread-safe: one connection at a time.
/// </summary>
public sealed class MultiplexStreamReader
{
    /// <summary>The text of the server's heartbeat comment.</summary>
    public const string Heartbeat = "heartbeat";

    private readonly HttpClient _client;
    private readonly string _url;
    private readonly Action<HttpRequestMessage>? _configureRequest;
    private readonly List<MultiplexSseFrame> _frames = [];

    /// <summary>
    /// A reader of <paramref name="url"/> (relative to the client's base address, with its query: <c>?token=</c>,
    /// <c>?owner=me</c>, <c>from=</c>); <paramref name="configureRequest"/> adds what else each request carries (a bearer
    /// token, <c>Sec-Fetch-Site</c>).
    /// </summary>
    public MultiplexStreamReader(HttpClient client, string url, Action<HttpRequestMessage>? configureRequest = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentNullException.ThrowIfNull(url);
        _client = client;
        _url = url;
        _configureRequest = configureRequest;
    }

    /// <summary>The cursor the next connection resumes from: the last id received (set it to resume from another).</summary>
    public string? LastEventId { get; set; }

    /// <summary>Sends the cursor as <c>?lastEventId=</c> instead of the <c>Last-Event-ID</c> header.</summary>
    public bool LastEventIdInQuery { get; init; }

    /// <summary>Every frame received, over all connections, in order.</summary>
    public IReadOnlyList<MultiplexSseFrame> Frames => _frames;

    /// <summary>The events received, over all connections, in order.</summary>
    public IEnumerable<MultiplexSseFrame> Events => _frames.Where(f => f.Kind == MultiplexSseFrameKind.Event);

    /// <summary>The comments received (heartbeats, members leaving), in order.</summary>
    public IEnumerable<string> Comments => _frames.Where(f => f.Kind == MultiplexSseFrameKind.Comment).Select(f => f.Value);

    /// <summary>The reconnection time the last <c>retry:</c> line set, in milliseconds.</summary>
    public long? RetryMilliseconds { get; private set; }

    /// <summary>How many connections were opened.</summary>
    public int Connections { get; private set; }

    /// <summary>How many connections the test cut (closed before the server ended the body).</summary>
    public int Cuts { get; private set; }

    /// <summary>The data of one generation's events, in the order received.</summary>
    public IReadOnlyList<string> DataOf(string generationId) =>
        [.. Events.Where(e => e.GenerationId == generationId).Select(e => e.Value)];

    /// <summary>The generations the events came from, in order of their first event.</summary>
    public IReadOnlyList<string> Generations => [.. Events.Select(e => e.GenerationId!).Distinct()];

    /// <summary>Opens a connection from <see cref="LastEventId"/>; returns once the response headers arrived, whatever the status.</summary>
    public async Task<MultiplexStreamConnection> ConnectAsync(CancellationToken cancellationToken = default)
    {
        var url = _url;
        if (LastEventId is not null && LastEventIdInQuery)
        {
            url += (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "lastEventId=" + Uri.EscapeDataString(LastEventId);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (LastEventId is not null && !LastEventIdInQuery)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", LastEventId);
        }

        _configureRequest?.Invoke(request);
        var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        Connections++;
        return new MultiplexStreamConnection(this, response, LastEventId);
    }

    /// <summary>
    /// Reads the stream across cuts until the server answers anything but 200 (a watch set fully delivered answers
    /// 204): each connection reads to its cut's point and is cut, the next resumes from the last id; once the cuts are
    /// used up, connections read to the server's end of the body. <paramref name="onConnected"/> runs once each
    /// connection answered 200, before it is read (a test moves its runs there).
    /// </summary>
    /// <returns>The status that ended it.</returns>
    public async Task<HttpStatusCode> ReadAcrossCutsAsync(
        IEnumerable<MultiplexCut> cuts, Func<MultiplexStreamConnection, Task>? onConnected = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(cuts);
        using var plan = cuts.GetEnumerator();
        var cutting = true;
        while (true)
        {
            await using var connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
            if (connection.StatusCode != HttpStatusCode.OK)
            {
                return connection.StatusCode;
            }

            if (onConnected is not null)
            {
                await onConnected(connection).ConfigureAwait(false);
            }

            cutting = cutting && plan.MoveNext();
            if (cutting)
            {
                await connection.ReadToAsync(plan.Current, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await connection.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    internal void Commit(string? lastEventId) => LastEventId = lastEventId;

    internal void Record(MultiplexSseFrame frame, long? retry)
    {
        _frames.Add(frame);
        if (frame.Kind == MultiplexSseFrameKind.Retry)
        {
            RetryMilliseconds = retry;
        }
    }

    internal void CountCut() => Cuts++;
}
