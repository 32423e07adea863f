using System.Net.Http.Headers;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.AspNetCore.Tests.Multiplex;

/// <summary>Watch sets of generations made by hand (<see cref="KestrelTestHost.CreateGenerationLogAsync"/>), and raw stream requests.</summary>
internal static class MultiplexTestSets
{
    /// <summary>
    /// <paramref name="members"/> live generations, each with <paramref name="eventsEach"/> progress events, and a watch
    /// set of them.
    /// </summary>
    public static async Task<(GenerationWatchResponse Watch, List<(string Id, string Token)> Members)> WatchLiveAsync(
        KestrelTestHost host, HttpClient client, int members, int eventsEach = 0)
    {
        var created = new List<(string Id, string Token)>();
        for (var i = 0; i < members; i++)
        {
            var member = await host.CreateGenerationLogAsync();
            for (var e = 0; e < eventsEach; e++)
            {
                await host.EventLog.AppendAsync(TestEvents.Progress(member.Id, e));
            }

            created.Add(member);
        }

        var watch = await client.WatchAsync(created.Select(m => (m.Id, (string?)m.Token)));
        return (watch, created);
    }

    /// <summary>Reads <paramref name="events"/> events of the watch set from the start and cuts; the cursor after them.</summary>
    public static async Task<string> CursorAfterAsync(HttpClient client, GenerationWatchResponse watch, int events)
    {
        var reader = client.ReaderOf(watch, from: "start");
        await using (var connection = await reader.ConnectAsync())
        {
            await connection.ReadToAsync(new MultiplexCut(Events: events, StopWhenIdle: false)).WithPatience();
        }

        return reader.LastEventId ?? throw new InvalidOperationException("No event carried an id.");
    }

    /// <summary>Sends <c>GET {url}</c> as EventSource does, with <c>Last-Event-ID</c> and a bearer token when given.</summary>
    public static Task<HttpResponseMessage> GetStreamAsync(HttpClient client, string url, string? lastEventId = null, string? bearer = null, string? fetchSite = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, url);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (lastEventId is not null)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
        }

        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        if (fetchSite is not null)
        {
            request.Headers.Add("Sec-Fetch-Site", fetchSite);
        }

        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>The stream URL of a watch set with its token in the query.</summary>
    public static string UrlOf(GenerationWatchResponse watch, string? from = null) =>
        MultiplexHttpClientExtensions.MultiplexStreamUrl(token: watch.WatchToken, from: from);

    /// <summary>The text with the character at <paramref name="at"/> replaced by another of the same kind.</summary>
    public static string Tamper(string text, int at)
    {
        var c = text[at];
        var replacement = char.IsAsciiDigit(c) ? (c == '0' ? '1' : '0') : char.IsAsciiLetterUpper(c) ? (c == 'A' ? 'B' : 'A') : (c == 'a' ? 'b' : 'a');
        return string.Concat(text.AsSpan(0, at), replacement.ToString(), text.AsSpan(at + 1));
    }
}
