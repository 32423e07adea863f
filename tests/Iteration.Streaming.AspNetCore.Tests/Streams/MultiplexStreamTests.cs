using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using FluentAssertions;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.TestHost;
using Xunit;

namespace Iteration.Streaming.AspNetCore.Tests.Streams;

/// <summary>The multiplexed stream end to end over Kestrel: a watch set's events, resume by cursor, and the end.</summary>
public sealed class MultiplexStreamTests
{
    [Fact]
    public async Task Stream_FromStart_DeliversEveryMembersOwnStreamInOrder()
    {
        await using var host = await KestrelTestHost.StartAsync();
        using var client = host.CreateClient();
        var started = new List<GenerationStartedResponse>();
        for (var i = 0; i < 3; i++)
        {
            started.Add(await host.StartGenerationAsync(client, $"App {i}"));
        }

        var watch = await WatchAsync(client, started);
        using var response = await OpenAsync(client, watch, "?from=start", cursor: null);
        var items = await response.ReadAllEventsAsync();

        foreach (var generation in started)
        {
            using var single = await client.GetStreamAsync(generation.GenerationId, generation.SseToken);
            var own = (await single.ReadAllEventsAsync()).Select(static i => i.Data).ToList();
            items.Where(i => i.ToProgressEvent().GenerationId == generation.GenerationId).Select(static i => i.Data).Should().Equal(own);
        }
    }

    [Fact]
    public async Task Stream_ResumedWithEachCursor_DeliversTheRestExactlyOnce()
    {
        await using var host = await KestrelTestHost.StartAsync();
        using var client = host.CreateClient();
        var started = new List<GenerationStartedResponse>();
        for (var i = 0; i < 3; i++)
        {
            started.Add(await host.StartGenerationAsync(client, $"App {i}"));
        }

        var watch = await WatchAsync(client, started);
        using var whole = await OpenAsync(client, watch, "?from=start", cursor: null);
        var all = await whole.ReadAllEventsAsync();

        // Resuming after any event gives exactly the events after it, member by member.
        for (var cut = 0; cut < all.Count; cut++)
        {
            using var resumed = await OpenAsync(client, watch, string.Empty, all[cut].EventId);
            if (cut == all.Count - 1)
            {
                resumed.StatusCode.Should().Be(HttpStatusCode.NoContent);
                continue;
            }

            var rest = await resumed.ReadAllEventsAsync();
            foreach (var generation in started)
            {
                Data(rest, generation.GenerationId).Should().Equal(Data(all.Skip(cut + 1), generation.GenerationId), $"after cut {cut}");
            }
        }
    }

    private static IEnumerable<string> Data(IEnumerable<SseItem<string>> items, string id) =>
        items.Where(i => i.ToProgressEvent().GenerationId == id).Select(static i => i.Data);

    private static async Task<GenerationWatchResponse> WatchAsync(HttpClient client, IEnumerable<GenerationStartedResponse> generations)
    {
        var request = new GenerationWatchRequest { Generations = [.. generations.Select(static g => new GenerationWatchMember { Id = g.GenerationId, Token = g.SseToken })] };
        using var response = await client.PostAsJsonAsync("generations/watch", request, IterationStreamingJson.GenerationWatchRequest);
        response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationWatchResponse))!;
    }

    private static Task<HttpResponseMessage> OpenAsync(HttpClient client, GenerationWatchResponse watch, string query, string? cursor)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, watch.StreamUrl.TrimStart('/') + query);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", watch.WatchToken);
        if (cursor is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", cursor);
        }

        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
