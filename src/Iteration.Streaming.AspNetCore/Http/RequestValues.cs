using System.Buffers;
using System.Globalization;
using Iteration.Streaming.Files;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Http;

/// <summary>
/// Reads and checks the values a request carries: generation ids, the resume point, the stream token, file paths.
/// </summary>
internal static class RequestValues
{
    public const string LastEventIdHeader = "Last-Event-ID";
    public const string LastEventIdQuery = "lastEventId";
    public const string TokenQuery = "token";

    private static readonly SearchValues<char> UnsafePathChars = SearchValues.Create(
        "\\:*?\"<>|\u007f\0\u0001\u0002\u0003\u0004\u0005\u0006\u0007\b\t\n\u000b\f\r\u000e\u000f\u0010\u0011\u0012\u0013\u0014\u0015\u0016\u0017\u0018\u0019\u001a\u001b\u001c\u001d\u001e\u001f");

    /// <summary>
    /// Whether <paramref name="value"/> is a generation id: 1 to 128 ASCII letters, digits, '-' or '_' (the engine's
    /// ids are UUIDs), the same rule the engine and the file sinks apply.
    /// </summary>
    public static bool IsGenerationId(string? value) => GenerationStorageId.IsValid(value);

    public static string GenerationIdError(string name) =>
        $"'{name}' must be a generation id: 1 to {GenerationStorageId.MaxLength} ASCII letters, digits, '-' or '_', such as the UUID '3f2504e0-4f89-11d3-9a0c-0305e82c3301'.";

    /// <summary>
    /// Reads the resume point from the <c>Last-Event-ID</c> header (what EventSource sends on reconnect), else from
    /// <c>?lastEventId=</c>; absent or empty means 0 (from the beginning).
    /// </summary>
    public static bool TryGetLastEventId(HttpRequest request, out long afterSequence, out string? error)
    {
        afterSequence = 0;
        error = null;
        var values = request.Headers[LastEventIdHeader];
        var source = LastEventIdHeader + " header";
        if (StringValues.IsNullOrEmpty(values))
        {
            values = GetQueryValues(request, LastEventIdQuery);
            source = "'" + LastEventIdQuery + "' query parameter";
        }

        if (values.Count > 1)
        {
            error = $"The {source} must be sent once.";
            return false;
        }

        var text = values.Count == 1 ? values[0] : null;
        if (string.IsNullOrEmpty(text))
        {
            return true;
        }

        if (text.Length > 19 || !long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out afterSequence))
        {
            error = $"The {source} must be the non-negative integer id of the last event received.";
            afterSequence = 0;
            return false;
        }

        return true;
    }

    /// <summary>
    /// Reads the token of a read: <c>?token=</c> first (EventSource cannot send headers, and a host's own bearer scheme
    /// may use the Authorization header), else <c>Authorization: Bearer</c>. A repeated token reads as malformed; another
    /// Authorization scheme as no token.
    /// </summary>
    public static (string? Token, bool InUrl) GetToken(HttpRequest request)
    {
        var query = GetQueryValues(request, TokenQuery);
        return query.Count switch
        {
            0 => (GetBearerToken(request), false),
            1 => (query[0], true),
            _ => ("..", true),
        };
    }

    /// <summary>Whether the URL carries a <c>?token=</c>, which an action never accepts.</summary>
    public static bool HasQueryToken(HttpRequest request) => GetQueryValues(request, TokenQuery).Count > 0;

    /// <summary>
    /// The values of one query parameter (its name matched case-insensitively, as <see cref="HttpRequest.Query"/> does),
    /// decoded; at most two, which is enough to tell "sent more than once".
    /// </summary>
    /// <remarks>
    /// Reads the raw query string instead of <see cref="HttpRequest.Query"/>, which parses every parameter into a
    /// dictionary that the request then keeps: for a stream that lives for minutes, that is memory held per watcher.
    /// </remarks>
    public static StringValues GetQueryValues(HttpRequest request, string name)
    {
        string? first = null;
        foreach (var pair in new QueryStringEnumerable(request.QueryString.Value))
        {
            if (!pair.DecodeName().Span.Equals(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var value = pair.DecodeValue().ToString();
            if (first is not null)
            {
                return new StringValues([first, value]);
            }

            first = value;
        }

        return first is null ? StringValues.Empty : new StringValues(first);
    }

    /// <summary>
    /// Reads <c>Authorization: Bearer</c> (the scheme case-insensitively, the token trimmed); a repeated header reads as
    /// malformed, another scheme as no token.
    /// </summary>
    public static string? GetBearerToken(HttpRequest request)
    {
        var authorization = request.Headers[HeaderNames.Authorization];
        if (authorization.Count != 1 || authorization[0] is not { } header)
        {
            return authorization.Count > 1 ? ".." : null;
        }

        const string Scheme = "Bearer ";
        return header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase) ? header[Scheme.Length..].Trim() : null;
    }

    /// <summary>
    /// Whether <paramref name="path"/> is a plain relative file path: forward slashes, no empty, <c>.</c> or <c>..</c>
    /// segments, no rooted, drive or backslash forms, no control characters, also after one more percent-decoding
    /// (so a double-encoded <c>%252e%252e</c> is refused, not looked up).
    /// </summary>
    public static bool IsSafeRelativePath(string? path, int maxLength)
    {
        if (!IsPlainRelativePath(path, maxLength))
        {
            return false;
        }

        return !path!.Contains('%', StringComparison.Ordinal) || IsPlainRelativePath(Uri.UnescapeDataString(path), maxLength);
    }

    private static bool IsPlainRelativePath(string? path, int maxLength)
    {
        if (string.IsNullOrEmpty(path) || path.Length > maxLength || path.AsSpan().ContainsAny(UnsafePathChars))
        {
            return false;
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0 || segment is "." or ".." || segment.Trim().Length == 0)
            {
                return false;
            }
        }

        return true;
    }
}
