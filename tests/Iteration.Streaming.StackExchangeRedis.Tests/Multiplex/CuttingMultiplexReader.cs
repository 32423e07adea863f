using System.Net;
using System.Text.Json;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>
/// Reads one multiplexed stream the way EventSource does, cutting the connection itself at random points: after a random
/// number of events and then a random number of bytes (so often mid-frame), it drops the connection and reconnects with
/// <c>Last-Event-ID</c> (the last complete event's cursor) to the next instance in turn. A connection that breaks on the
/// server's side (an instance killed) is resumed the same way. Keeps each member's events in the order received.
/// </summary>
public sealed class CuttingMultiplexReader(IReadOnlyList<HttpClient> clients, string url, Random random, string? user = null)
{
    /// <summary>Each member's event data lines, in the order they arrived.</summary>
    public Dictionary<string, List<string>> Events { get; } = new(StringComparer.Ordinal);

    /// <summary>Every comment other than heartbeats.</summary>
    public List<string> Comments { get; } = [];

    /// <summary>The cursor of the last complete event (what EventSource echoes).</summary>
    public string? Cursor { get; private set; }

    /// <summary>Connections opened.</summary>
    public int Connections { get; private set; }

    /// <summary>Connections this reader cut.</summary>
    public int Cuts { get; private set; }

    /// <summary>Connections that broke on the server's side.</summary>
    public int Breaks { get; private set; }

    /// <summary>Whether cuts are made (off: only server-side ends and breaks reconnect).</summary>
    public bool Cutting { get; set; } = true;

    /// <summary>The most events delivered on one connection before it is cut (the number is drawn from 0 to this).</summary>
    public int MaxEventsPerConnection { get; set; } = 6;

    /// <summary>Called for each event, on the reading task.</summary>
    public Action<StreamingProgressEvent>? OnEvent { get; set; }

    /// <summary>Whether every one of <paramref name="members"/> has delivered a terminal event.</summary>
    public bool AllEnded(IEnumerable<string> members) => members.All(m => Events.TryGetValue(m, out var events) && events.Count > 0 && Parse(events[^1]).IsTerminal);

    /// <summary>
    /// Reads (cutting and resuming) until <paramref name="done"/> holds after an event. A 204 before that fails, as does
    /// any other answer than 200, with its body.
    /// </summary>
    public async Task ReadUntilAsync(Func<bool> done)
    {
        var deadline = DateTime.UtcNow + AsyncTestExtensions.Patience + AsyncTestExtensions.Patience;
        while (!done())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The multiplexed stream did not get there after {Connections} connections ({Cuts} cut, {Breaks} broken); cursor {Cursor}.");
            }

            try
            {
                if (await ReadOneConnectionAsync(clients[Connections++ % clients.Count], done))
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is IOException or OperationCanceledException or ObjectDisposedException
                || (ex is HttpRequestException { StatusCode: null }))
            {
                // The instance went away under the connection: reconnect, as a browser would.
                Breaks++;
            }
        }
    }

    /// <returns>Whether <paramref name="done"/> held (or the server answered 204).</returns>
    private async Task<bool> ReadOneConnectionAsync(HttpClient client, Func<bool> done)
    {
        var eventsLeft = random.Next(0, MaxEventsPerConnection + 1);
        var bytesLeft = random.Next(1, 3000);
        using var response = await client.OpenMultiplexAsync(url, Cursor, user);
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            done().Should().BeTrue($"204 means every member's terminal event was delivered (cursor {Cursor})");
            return true;
        }

        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"GET {url} with Last-Event-ID {Cursor ?? "(none)"} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}", null, response.StatusCode);
        }

        await using var body = await response.Content.ReadAsStreamAsync();
        var parser = new MultiplexParser();
        var items = new List<MultiplexItem>();
        var buffer = new byte[4096];
        int read;
        while ((read = await body.ReadAsync(buffer).AsTask().WithPatience()) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                if (Cutting && eventsLeft <= 0 && --bytesLeft == 0)
                {
                    // Disposing the response mid-read drops the connection, as a network cut does.
                    Cuts++;
                    return false;
                }

                parser.Feed(buffer[i], items);
                foreach (var item in items)
                {
                    if (Take(item))
                    {
                        eventsLeft--;
                        if (done())
                        {
                            return true;
                        }
                    }
                }

                items.Clear();
            }
        }

        return false;
    }

    private static StreamingProgressEvent Parse(string data) =>
        JsonSerializer.Deserialize(data, IterationStreamingJson.StreamingProgressEvent) ?? throw new JsonException("null event");

    private bool Take(MultiplexItem item)
    {
        if (item.Retry is not null)
        {
            return false;
        }

        if (item.IsComment)
        {
            if (item.Comment != "heartbeat")
            {
                Comments.Add(item.Comment!);
            }

            return false;
        }

        item.Cursor.Should().NotBeNullOrEmpty("every event of the multiplexed stream carries the set's cursor as its id");
        var progress = Parse(item.Data!);
        if (!Events.TryGetValue(progress.GenerationId, out var events))
        {
            Events[progress.GenerationId] = events = [];
        }

        events.Add(item.Data!);
        Cursor = item.Cursor;
        OnEvent?.Invoke(progress);
        return true;
    }
}
