using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Http;

/// <summary>
/// The request-and-answer calls of <see cref="IterationClient"/> (everything but the watch): sends a request with its
/// token, turns an error answer into <see cref="IterationApiException"/>, and reads a success body as the contract type,
/// reporting a body that is not one as <see cref="IterationApiException"/> too.
/// </summary>
internal sealed class ApiCalls(HttpClient http)
{
    private readonly HttpClient _http = http;

    /// <summary>Posts a request that starts a generation and reads the 202 as a handle; <paramref name="token"/> authorises it.</summary>
    public async Task<GenerationHandle> PostStartAsync(Uri url, HttpContent? content, string? token, CancellationToken cancellationToken)
    {
        var started = await PostAsync(url, content, token, IterationStreamingJson.GenerationStartedResponse, "a started generation", cancellationToken).ConfigureAwait(false);
        try
        {
            return GenerationHandle.FromResponse(started);
        }
        catch (ArgumentException e)
        {
            throw new IterationApiException("The server answered with a generation id or token the client cannot use.", e);
        }
    }

    /// <summary>Posts <paramref name="content"/> and reads the success body as <typeparamref name="T"/>; <paramref name="token"/> authorises it.</summary>
    public async Task<T> PostAsync<T>(Uri url, HttpContent? content, string? token, JsonTypeInfo<T> typeInfo, string what, CancellationToken cancellationToken)
    {
        using (content)
        {
            using var request = ApiResponses.Authorized(HttpMethod.Post, url, token);
            request.Content = content;
            using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            await ApiResponses.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            T? body;
            try
            {
                body = await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false);
            }
            catch (JsonException e)
            {
                throw new IterationApiException($"The server accepted the request but its answer is not {what}.", e);
            }

            return body ?? throw new IterationApiException($"The server accepted the request but its answer is empty, not {what}.");
        }
    }

    public async Task<T> GetJsonAsync<T>(Uri url, string? token, JsonTypeInfo<T> typeInfo, CancellationToken cancellationToken)
    {
        using var request = ApiResponses.Authorized(HttpMethod.Get, url, token);
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await ApiResponses.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        try
        {
            return await response.Content.ReadFromJsonAsync(typeInfo, cancellationToken).ConfigureAwait(false)
                ?? throw new IterationApiException("The server sent an empty body.");
        }
        catch (JsonException e)
        {
            throw new IterationApiException($"The server's answer is not a {typeof(T).Name}.", e);
        }
    }

    /// <summary>
    /// Gets a text answer of the media type <paramref name="accept"/> (its charset honoured; UTF-8 by default). An answer
    /// that is not text (a server that ignored <c>Accept</c> and sent JSON) is an <see cref="IterationApiException"/>.
    /// </summary>
    public async Task<string> GetTextAsync(Uri url, string? token, string accept, CancellationToken cancellationToken)
    {
        using var request = ApiResponses.Authorized(HttpMethod.Get, url, token);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await ApiResponses.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is null || !mediaType.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
        {
            throw new IterationApiException($"The server answered {mediaType ?? "without a content type"}, not {accept}: is it older than this request?");
        }

        return await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
    }

    public async Task<Stream> GetStreamAsync(Uri url, string token, CancellationToken cancellationToken)
    {
        using var request = ApiResponses.Authorized(HttpMethod.Get, url, token);
        var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        try
        {
            await ApiResponses.EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            response.Dispose();
            throw;
        }
    }

    /// <summary>Sends a request without a body and returns the answer unread (its status decides); dispose it.</summary>
    public async Task<HttpResponseMessage> SendAsync(HttpMethod method, Uri url, string? token, CancellationToken cancellationToken)
    {
        using var request = ApiResponses.Authorized(method, url, token);
        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }
}
