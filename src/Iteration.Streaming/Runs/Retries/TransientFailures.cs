using System.Net;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs.Retries;

/// <summary>
/// Tells a failure that passes (the model unavailable, rate-limited, slow or cut off) from one that would fail again:
/// a <see cref="TransientGenerationException"/> from the generator, an <see cref="HttpRequestException"/> with status 429,
/// 5xx or none (no connection), or a <see cref="TimeoutException"/>, found on the exception or its inner ones.
/// </summary>
internal static class TransientFailures
{
    public static (string Cause, TimeSpan? RetryAfter)? Classify(Exception exception)
    {
        for (var current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case TransientGenerationException transient:
                    return (transient.Message, transient.RetryAfter);
                case GenerationFailedException or Files.InvalidGeneratedFileException:
                    // The generator judged it (a TLS or auth failure it wrapped is not the model being busy).
                    return null;
                case HttpRequestException { StatusCode: null }:
                    return ("Model unreachable", null);
                case HttpRequestException { StatusCode: HttpStatusCode.TooManyRequests }:
                    return ("Model rate-limited (HTTP 429)", null);
                case HttpRequestException { StatusCode: { } status } when (int)status >= 500:
                    return ($"Model unavailable (HTTP {(int)status})", null);
                case HttpRequestException:
                    return null;
                case TimeoutException:
                    return ("Model timed out", null);
            }

            if (current is AggregateException { InnerExceptions.Count: > 1 })
            {
                return null;
            }
        }

        return null;
    }
}
