using System.Globalization;
using System.Net.Http;
using System.Net.Sockets;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// Tells a failed model request that may work if asked again (the model is rate-limited, overloaded, slow or its
/// connection broke) from one that will not (a refused request or key, a refused content, a bug), and names the cause
/// for the user in a few fixed words: never the exception's message, which may hold the endpoint's answer, URLs or keys.
/// </summary>
/// <remarks>Only what the client threw is classified here; the generator's own cancellation never gets this far.</remarks>
internal static class TransientFailures
{
    /// <summary>The cause of a request that timed out (the client's timeout, or the model silent past <c>ResponseIdleTimeout</c>).</summary>
    public const string TimedOut = "Model timed out";

    /// <summary>The cause of a connection lost while the answer streamed (or before it started).</summary>
    public const string StreamDropped = "Model stream dropped";

    /// <summary>The cause of a request that found no model to talk to (connection refused, name not resolved).</summary>
    public const string Unreachable = "Model unreachable";

    /// <summary>The cause, when <paramref name="exception"/> is worth retrying; otherwise <see langword="null"/>.</summary>
    public static string? Cause(Exception exception)
    {
        if (ModelFailures.FindStatus(exception) is { } status)
        {
            return FromStatus(status);
        }

        var unknownHttpError = false;
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                // The client's own timeout (HttpClient's is a TaskCanceledException over a TimeoutException): the
                // generator's token was not cancelled, or this would not be asked.
                case TimeoutException or OperationCanceledException:
                    return TimedOut;
                case HttpRequestException { StatusCode: null } http:
                    switch (http.HttpRequestError)
                    {
                        case HttpRequestError.ResponseEnded or HttpRequestError.HttpProtocolError:
                            return StreamDropped;
                        case HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError or HttpRequestError.ProxyTunnelError:
                            return Unreachable;
                        case HttpRequestError.Unknown:
                            // The inner exception may say more (a lost stream); if not, no connection.
                            unknownHttpError = true;
                            break;
                        default:
                            // TLS, authentication, HTTP version, a malformed answer or a local limit: asking again
                            // fails the same way.
                            return null;
                    }

                    break;
                case IOException:
                    // HttpIOException included: the connection broke while the answer was read.
                    return StreamDropped;
                case SocketException:
                    return Unreachable;
            }
        }

        return unknownHttpError ? Unreachable : null;
    }

    /// <summary>
    /// 429, 408 and the 5xx answers of a service that is down or overloaded are transient; 501 and 505 (the endpoint
    /// does not support the request) and every other 4xx (bad request, key refused, model not found) are not.
    /// </summary>
    public static string? FromStatus(int status) => status switch
    {
        429 => "Model rate-limited (HTTP 429)",
        408 => "Model timed out (HTTP 408)",
        501 or 505 => null,
        >= 500 and <= 599 => string.Create(CultureInfo.InvariantCulture, $"Model unavailable (HTTP {status})"),
        _ => null,
    };
}
