using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestHost;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Multiplex;

/// <summary>The calls of the multiplexed stream (<c>POST /generations/watch</c>, <c>GET /generations/stream</c>) over real HTTP.</summary>
public static class MultiplexHttp
{
    /// <summary>Names a watch set; fails with the answer's body unless it is 200.</summary>
    public static async Task<GenerationWatchResponse> WatchAsync(this HttpClient client, IEnumerable<(string Id, string? Token)> members)
    {
        var body = new GenerationWatchRequest { Generations = members.Select(m => new GenerationWatchMember { Id = m.Id, Token = m.Token }).ToList() };
        using var response = await client.PostAsJsonAsync("generations/watch", body, IterationStreamingJson.GenerationWatchRequest).WithPatience();
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"POST /generations/watch answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        }

        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationWatchResponse))!;
    }

    /// <summary>The URL of a watch set's stream with its token in the query, as EventSource opens it.</summary>
    public static string StreamUrl(this GenerationWatchResponse watch, string? from = null) =>
        $"{watch.StreamUrl.TrimStart('/')}?token={Uri.EscapeDataString(watch.WatchToken)}" + (from is null ? string.Empty : $"&from={from}");

    /// <summary>Opens a multiplexed stream and returns at its headers; <paramref name="cursor"/> goes in <c>Last-Event-ID</c>.</summary>
    public static Task<HttpResponseMessage> OpenMultiplexAsync(this HttpClient client, string url, string? cursor = null, string? user = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (cursor is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", cursor);
        }

        if (user is not null)
        {
            request.Headers.Add(OwnerBudgetRace.UserHeader, user);
        }

        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).WithPatience();
    }

    /// <summary>Reads events and comments until the server ends the response.</summary>
    public static async IAsyncEnumerable<MultiplexItem> ReadMultiplexAsync(this HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        var parser = new MultiplexParser();
        var items = new List<MultiplexItem>();
        var buffer = new byte[8192];
        int read;
        while ((read = await body.ReadAsync(buffer, cancellationToken)) > 0)
        {
            for (var i = 0; i < read; i++)
            {
                parser.Feed(buffer[i], items);
            }

            foreach (var item in items)
            {
                yield return item;
            }

            items.Clear();
        }
    }

    /// <summary>Reads until an event satisfies <paramref name="done"/> and returns it; every item before it goes to <paramref name="seen"/>.</summary>
    public static async Task<MultiplexItem> ReadUntilAsync(this IAsyncEnumerator<MultiplexItem> items, Func<MultiplexItem, bool> done, Action<MultiplexItem>? seen = null)
    {
        while (true)
        {
            (await items.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue("the stream should go on until the awaited item");
            if (done(items.Current))
            {
                return items.Current;
            }

            seen?.Invoke(items.Current);
        }
    }
}
