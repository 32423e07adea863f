using System.Net;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.TestHost;

/// <summary>Names watch sets (<c>POST {prefix}/watch</c>) and builds multiplexed stream URLs.</summary>
public static class MultiplexHttpClientExtensions
{
    /// <summary>Sends <c>POST {prefix}/watch</c> with the members, as the contract's JSON.</summary>
    public static Task<HttpResponseMessage> PostWatchAsync(
        this HttpClient client, IEnumerable<GenerationWatchMember> members, string prefix = "generations", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        var request = new GenerationWatchRequest { Generations = [.. members] };
        return client.PostAsJsonAsync(prefix + "/watch", request, IterationStreamingJson.GenerationWatchRequest, cancellationToken);
    }

    /// <summary>Sends <c>POST {prefix}/watch</c> with a raw body (malformed or hostile JSON).</summary>
    public static Task<HttpResponseMessage> PostWatchAsync(
        this HttpClient client, string body, string prefix = "generations", CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(client);
        return client.PostAsync(prefix + "/watch", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), cancellationToken);
    }

    /// <summary>Names a watch set of the generations with their tokens; throws unless the server answers 200.</summary>
    public static async Task<GenerationWatchResponse> WatchAsync(
        this HttpClient client, IEnumerable<(string Id, string? Token)> members, string prefix = "generations", CancellationToken cancellationToken = default)
    {
        using var response = await client.PostWatchAsync(
            members.Select(m => new GenerationWatchMember { Id = m.Id, Token = m.Token }), prefix, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"POST /watch answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false)}");
        }

        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationWatchResponse, cancellationToken).ConfigureAwait(false))!;
    }

    /// <summary>
    /// The multiplexed stream's URL, relative to the host: <c>{prefix}/stream</c> with <c>token</c>, <c>owner</c> and
    /// <c>from</c> when given (escaped).
    /// </summary>
    public static string MultiplexStreamUrl(string? token = null, string? owner = null, string? from = null, string prefix = "generations")
    {
        var query = new[]
        {
            token is null ? null : "token=" + Uri.EscapeDataString(token),
            owner is null ? null : "owner=" + Uri.EscapeDataString(owner),
            from is null ? null : "from=" + Uri.EscapeDataString(from),
        }.Where(p => p is not null);
        var joined = string.Join('&', query);
        return prefix + "/stream" + (joined.Length == 0 ? string.Empty : "?" + joined);
    }

    /// <summary>A reader of a watch set's stream (the response's <c>stream_url</c> with <c>?token=</c>, as EventSource opens it).</summary>
    public static MultiplexStreamReader ReaderOf(this HttpClient client, GenerationWatchResponse watch, string? from = null)
    {
        ArgumentNullException.ThrowIfNull(watch);
        var url = watch.StreamUrl.TrimStart('/');
        url += (url.Contains('?', StringComparison.Ordinal) ? "&" : "?") + "token=" + Uri.EscapeDataString(watch.WatchToken);
        if (from is not null)
        {
            url += "&from=" + Uri.EscapeDataString(from);
        }

        return new MultiplexStreamReader(client, url);
    }
}
