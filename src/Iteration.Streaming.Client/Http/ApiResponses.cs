using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Iteration.Streaming.Client.Serialization;

namespace Iteration.Streaming.Client.Http;

/// <summary>What every call of the client does with a request and an answer: the token header, and errors as <see cref="IterationApiException"/>.</summary>
internal static class ApiResponses
{
    /// <summary>
    /// A request with <c>Authorization: Bearer <paramref name="token"/></c>; without a token (null, or the empty read token
    /// of a handle that reads by ownership) the HttpClient's own headers and handler apply.
    /// </summary>
    public static HttpRequestMessage Authorized(HttpMethod method, Uri url, string? token)
    {
        var request = new HttpRequestMessage(method, url);
        if (!string.IsNullOrEmpty(token))
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        return request;
    }

    public static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ErrorAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    public static async Task<IterationApiException> ErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ApiProblem? problem = null;
        var mediaType = response.Content.Headers.ContentType?.MediaType;
        if (mediaType is "application/problem+json" or "application/json")
        {
            try
            {
                var body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
                problem = JsonSerializer.Deserialize(body, ClientJsonContext.Default.ApiProblem);
                if (problem is not null)
                {
                    AddExtensions(problem, body);
                }
            }
            catch (JsonException)
            {
                problem = null;
            }
        }

        return new IterationApiException(response.StatusCode, problem, RetryAfter(response));
    }

    /// <summary>The answer's <c>Retry-After</c> (seconds, or a date), when it has one.</summary>
    private static TimeSpan? RetryAfter(HttpResponseMessage response) =>
        response.Headers.RetryAfter switch
        {
            { Delta: { } delta } when delta >= TimeSpan.Zero => delta,
            { Date: { } date } when response.Headers.Date is { } now => date > now ? date - now : TimeSpan.Zero,
            _ => null,
        };

    /// <summary>Copies the members other than the five RFC 9457 ones into <see cref="ApiProblem.Extensions"/>.</summary>
    internal static void AddExtensions(ApiProblem problem, ReadOnlyMemory<byte> body)
    {
        using var document = JsonDocument.Parse(body);
        foreach (var member in document.RootElement.EnumerateObject())
        {
            if (!IsStandard(member.Name))
            {
                problem.Extensions[member.Name] = member.Value.Clone();
            }
        }
    }

    private static bool IsStandard(string name) =>
        name.Equals("type", StringComparison.OrdinalIgnoreCase)
        || name.Equals("title", StringComparison.OrdinalIgnoreCase)
        || name.Equals("status", StringComparison.OrdinalIgnoreCase)
        || name.Equals("detail", StringComparison.OrdinalIgnoreCase)
        || name.Equals("instance", StringComparison.OrdinalIgnoreCase);
}
