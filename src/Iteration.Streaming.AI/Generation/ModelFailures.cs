using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Http;
using System.Net;
using System.Reflection;
using Iteration.Streaming.AI.Exchange;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// Turns what went wrong with a model request into a <see cref="GenerationFailedException"/> whose message is fit for
/// the user: what happened and what to do, with a status code at most. Never the exception's own message (it may hold
/// the endpoint's answer, URLs or keys).
/// </summary>
internal static class ModelFailures
{
    /// <summary>Describes a failed request (HTTP status, timeout, lost connection) in phase <paramref name="phase"/>.</summary>
    public static GenerationFailedException FromException(Exception exception, int phase, out string failure)
    {
        if (FindStatus(exception) is { } status)
        {
            failure = string.Create(CultureInfo.InvariantCulture, $"HTTP {status}");
            return new GenerationFailedException(string.Create(CultureInfo.InvariantCulture, $"The model endpoint answered HTTP {status}{Reason(status)} in phase {phase}: {Advice(status)}"), exception);
        }

        if (IsTimeout(exception))
        {
            failure = "timeout";
            return new GenerationFailedException(string.Create(CultureInfo.InvariantCulture, $"The request to the model timed out in phase {phase}. Retry the generation."), exception);
        }

        if (IsConnectionLost(exception))
        {
            failure = "connection lost";
            return new GenerationFailedException(string.Create(CultureInfo.InvariantCulture, $"The connection to the model was lost in phase {phase} before its answer was complete. Retry the generation."), exception);
        }

        failure = "error";
        return new GenerationFailedException(string.Create(CultureInfo.InvariantCulture, $"The request to the model failed in phase {phase} ({exception.GetType().Name}). Retry the generation."), exception);
    }

    /// <summary>The phase's answer stopped coming for <paramref name="timeout"/>.</summary>
    public static GenerationFailedException Idle(int phase, TimeSpan timeout) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"The model sent nothing for {timeout.TotalSeconds:0.###} seconds in phase {phase} (ResponseIdleTimeout) and the request was stopped. Retry the generation."));

    /// <summary>
    /// The model streamed an error instead of (or after part of) its answer. Its code is shown when it is a plain
    /// identifier, its message when it is short plain text (no link, no long or key-like word, which could be a secret).
    /// </summary>
    public static GenerationFailedException Reported(int phase, string? errorCode, string? errorMessage = null)
    {
        var code = IsSafeCode(errorCode) ? $" (code '{errorCode}')" : string.Empty;
        var message = IsSafeMessage(errorMessage) ? $": \"{errorMessage!.Trim()}\"" : string.Empty;
        return new(string.Create(CultureInfo.InvariantCulture, $"The model reported an error in phase {phase}{code}{message}. Retry the generation."));
    }

    /// <summary>A phase of a new generation whose answer held no file: nothing to save, so the phase did not happen.</summary>
    public static GenerationFailedException NoFiles(int phase, long responseLength, string? finishReason)
    {
        var reason = finishReason is null ? string.Empty : $", finish reason '{finishReason}'";
        return new(string.Create(
            CultureInfo.InvariantCulture,
            $"The model's answer to phase {phase} held no files (no <file path=\"…\"> block in its {responseLength} characters{reason}), so the phase saved nothing. Retry the generation."));
    }

    /// <summary>The answer went past <c>MaxResponseCharacters</c>.</summary>
    public static GenerationFailedException TooLong(int phase, int limit) => new(string.Create(
        CultureInfo.InvariantCulture,
        $"The model's answer to phase {phase} went past {limit} characters (MaxResponseCharacters) and was stopped."));

    /// <summary>The answer ended inside a file: the file is incomplete and not saved.</summary>
    public static GenerationFailedException Unclosed(int phase, string path, string? finishReason)
    {
        var shown = PathText.Show(path);
        var cause = finishReason == "length"
            ? " because it reached its output limit (raise MaxOutputTokens, or plan smaller phases)"
            : finishReason is null ? string.Empty : $" (finish reason '{finishReason}')";
        return new GenerationFailedException(string.Create(
            CultureInfo.InvariantCulture,
            $"The model's answer to phase {phase} ended inside the file {shown}{cause}: its closing </file> tag never arrived, so the file was not saved."));
    }

    /// <summary>The HTTP status of the first exception of the chain that has one.</summary>
    internal static int? FindStatus(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is HttpRequestException { StatusCode: { } code })
            {
                return (int)code;
            }

            if (ReadStatusProperty(current) is { } status)
            {
                return status;
            }
        }

        return null;
    }

    /// <summary>
    /// Reads a public <c>int Status</c> of the exception, as on System.ClientModel's <c>ClientResultException</c> (the
    /// OpenAI and Azure OpenAI clients) and Azure.Core's <c>RequestFailedException</c>, without depending on them.
    /// </summary>
    [UnconditionalSuppressMessage(
        "Trimming",
        "IL2075",
        Justification = "Best effort: when trimming removed the property, the failure is reported without its status code.")]
    private static int? ReadStatusProperty(Exception exception)
    {
        var property = exception.GetType().GetProperty("Status", BindingFlags.Public | BindingFlags.Instance);
        if (property?.PropertyType != typeof(int) || property.GetIndexParameters().Length != 0)
        {
            return null;
        }

        try
        {
            return property.GetValue(exception) is int status and >= 100 and <= 599 ? status : null;
        }
        catch (TargetInvocationException)
        {
            return null;
        }
    }

    private static bool IsTimeout(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is TimeoutException or OperationCanceledException)
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsConnectionLost(Exception exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (current is IOException or HttpRequestException or System.Net.Sockets.SocketException or EndOfStreamException)
            {
                return true;
            }
        }

        return false;
    }

    private static string Reason(int status) => Enum.IsDefined((HttpStatusCode)status)
        ? string.Concat(" (", ReasonPhrase((HttpStatusCode)status), ")")
        : string.Empty;

    private static string ReasonPhrase(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => "Bad Request",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.NotFound => "Not Found",
        HttpStatusCode.RequestTimeout => "Request Timeout",
        HttpStatusCode.RequestEntityTooLarge => "Content Too Large",
        HttpStatusCode.TooManyRequests => "Too Many Requests",
        HttpStatusCode.InternalServerError => "Internal Server Error",
        HttpStatusCode.BadGateway => "Bad Gateway",
        HttpStatusCode.ServiceUnavailable => "Service Unavailable",
        HttpStatusCode.GatewayTimeout => "Gateway Timeout",
        _ => code.ToString(),
    };

    private static string Advice(int status) => status switch
    {
        401 or 403 => "the API key was refused; check the key the host is configured with.",
        404 => "the model or the endpoint was not found; check the model name and the endpoint's base address.",
        400 or 413 or 422 => "the request was refused; the prompt may be too long for the model (lower MaxContextCharacters) or a setting is not supported.",
        408 or 504 => "the model took too long to answer. Retry the generation.",
        429 => "the model is rate limited or out of quota. Retry the generation later.",
        >= 500 => "the model service failed. Retry the generation.",
        _ => "the request was refused. Retry the generation.",
    };

    private static bool IsSafeMessage(string? message)
    {
        if (string.IsNullOrWhiteSpace(message) || message.Length > 200 || message.Contains("://", StringComparison.Ordinal))
        {
            return false;
        }

        foreach (var c in message)
        {
            if (char.IsControl(c) || char.IsSurrogate(c) || c is '"' or '<' or '>' || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format)
            {
                return false;
            }
        }

        return message.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .All(static word => word.Length < 24 && !word.StartsWith("sk-", StringComparison.OrdinalIgnoreCase) && !word.Contains('@', StringComparison.Ordinal));
    }

    private static bool IsSafeCode(string? code) =>
        !string.IsNullOrEmpty(code) && code.Length <= 64 && code.All(static c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}
