using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.TestHost;

/// <summary>Opens and reads Server-Sent Events streams with <see cref="HttpClient"/> and the framework's <see cref="SseParser"/>.</summary>
public static class SseHttpClientExtensions
{
    /// <summary>
    /// Sends <c>GET {prefix}/{id}/stream</c> and returns as soon as the headers arrive. The token goes in the
    /// Authorization header, or in <c>?token=</c> when <paramref name="tokenInQuery"/>.
    /// </summary>
    public static Task<HttpResponseMessage> GetStreamAsync(
        this HttpClient client,
        string generationId,
        string? token,
        long? lastEventId = null,
        bool tokenInQuery = false,
        string prefix = "generations",
        CancellationToken cancellationToken = default)
    {
        var url = $"{prefix}/{generationId}/stream";
        if (token is not null && tokenInQuery)
        {
            url += "?token=" + Uri.EscapeDataString(token);
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (token is not null && !tokenInQuery)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (lastEventId is { } last)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Parses the response body as Server-Sent Events until the server ends it.</summary>
    public static async IAsyncEnumerable<SseItem<string>> ReadEventsAsync(
        this HttpResponseMessage response,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in SseParser.Create(body).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>Reads every event until the server ends the stream.</summary>
    public static async Task<List<SseItem<string>>> ReadAllEventsAsync(this HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var items = new List<SseItem<string>>();
        await foreach (var item in response.ReadEventsAsync(cancellationToken).ConfigureAwait(false))
        {
            items.Add(item);
        }

        return items;
    }

    /// <summary>The event carried by an SSE item's data.</summary>
    public static StreamingProgressEvent ToProgressEvent(this SseItem<string> item) =>
        JsonSerializer.Deserialize(item.Data, IterationStreamingJson.StreamingProgressEvent)
        ?? throw new JsonException("The SSE item carried null.");

    /// <summary>The SSE item's id as a sequence number.</summary>
    public static long Sequence(this SseItem<string> item) =>
        long.Parse(item.EventId ?? throw new InvalidOperationException("The SSE item has no id."), System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Reads raw text from <paramref name="body"/> until <paramref name="done"/> holds for everything read so far.</summary>
    public static async Task<string> ReadRawUntilAsync(this Stream body, Func<string, bool> done, CancellationToken cancellationToken = default)
    {
        var text = new StringBuilder();
        var buffer = new byte[4096];
        while (!done(text.ToString()))
        {
            var read = await body.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            text.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return text.ToString();
    }
}
