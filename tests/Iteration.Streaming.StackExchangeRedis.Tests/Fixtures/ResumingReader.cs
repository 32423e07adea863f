using System.Net;
using System.Net.ServerSentEvents;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>
/// Reads a generation's stream the way EventSource does: when the stream ends before the terminal event (cut, host gone,
/// Redis away), it reconnects with <c>Last-Event-ID</c>, to the next client in turn (another instance behind the balancer).
/// </summary>
public static class ResumingReader
{
    public static async Task<List<SseItem<string>>> ReadToEndAsync(
        IReadOnlyList<HttpClient> clients,
        string generationId,
        string token,
        Action<SseItem<string>>? onEvent = null,
        long after = 0)
    {
        var events = new List<SseItem<string>>();
        var last = after;
        var deadline = DateTime.UtcNow + AsyncTestExtensions.Patience;
        for (var attempt = 0; ; attempt++)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The stream of {generationId} did not reach its terminal event; last event {last}.");
            }

            var client = clients[attempt % clients.Count];
            try
            {
                using var response = await client.GetStreamAsync(generationId, token, last == 0 ? null : last).WithPatience();
                if (response.StatusCode == HttpStatusCode.NoContent)
                {
                    return events;
                }

                if (response.IsSuccessStatusCode)
                {
                    await foreach (var item in response.ReadEventsAsync())
                    {
                        events.Add(item);
                        last = item.Sequence();
                        onEvent?.Invoke(item);
                        if (item.ToProgressEvent().IsTerminal)
                        {
                            return events;
                        }
                    }
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or ObjectDisposedException)
            {
                // The connection broke (or its client was closed with a crashed instance): reconnect, as a browser would.
            }

            await Task.Yield();
        }
    }
}
