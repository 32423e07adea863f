using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Net.Http.Headers;
using System.Reflection;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// The wait a model's endpoint asked for with its error answer: <c>retry-after-ms</c> (milliseconds, as Azure OpenAI and
/// OpenAI send it) or <c>Retry-After</c> (seconds or an HTTP date), read from the answer an exception carries.
/// </summary>
/// <remarks>
/// <see cref="HttpRequestException"/> carries no headers. System.ClientModel's <c>ClientResultException</c> (the OpenAI
/// and Azure OpenAI clients) and Azure.Core's <c>RequestFailedException</c> carry the answer: <c>GetRawResponse()</c>,
/// its <c>Headers</c> and their <c>TryGetValue(string, out string)</c>, reached by reflection as the status is in
/// <see cref="ModelFailures"/>, so the package takes no dependency on them. Best effort: anything else is no wait.
/// </remarks>
internal static class RetryAfterHeader
{
    /// <summary>The longest header value read; a longer one is not a wait.</summary>
    internal const int MaxValueLength = 64;

    /// <summary>The wait the first exception of <paramref name="exception"/>'s chain that carries an answer asked for, if any.</summary>
    public static TimeSpan? Read(Exception exception, TimeProvider timeProvider)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            if (FindHeaderReader(current) is not { } read)
            {
                continue;
            }

            return ParseMilliseconds(read("retry-after-ms")) ?? Parse(read("Retry-After"), timeProvider.GetUtcNow());
        }

        return null;
    }

    /// <summary>
    /// A <c>Retry-After</c> value: seconds (digits only) or an HTTP date, from <paramref name="now"/> (a date past is no
    /// wait). <see langword="null"/> when absent or not a valid value.
    /// </summary>
    public static TimeSpan? Parse(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrWhiteSpace(value) || value.Length > MaxValueLength || !RetryConditionHeaderValue.TryParse(value, out var parsed))
        {
            return null;
        }

        if (parsed.Delta is { } delta)
        {
            return delta;
        }

        return parsed.Date is { } date ? (date > now ? date - now : TimeSpan.Zero) : null;
    }

    /// <summary>A <c>retry-after-ms</c> value: non-negative milliseconds, fractions allowed. <see langword="null"/> otherwise.</summary>
    public static TimeSpan? ParseMilliseconds(string? value)
    {
        if (string.IsNullOrWhiteSpace(value)
            || value.Length > MaxValueLength
            || !double.TryParse(value, NumberStyles.AllowDecimalPoint | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, CultureInfo.InvariantCulture, out var milliseconds)
            || !double.IsFinite(milliseconds)
            || milliseconds > int.MaxValue)
        {
            return null;
        }

        return TimeSpan.FromMilliseconds(milliseconds);
    }

    /// <summary>Reads a header of the answer <paramref name="exception"/> carries, or <see langword="null"/> when it carries none.</summary>
    [UnconditionalSuppressMessage("Trimming", "IL2075", Justification = "Best effort: when trimming removed the members, no Retry-After is read and the engine's own backoff applies.")]
    private static Func<string, string?>? FindHeaderReader(Exception exception)
    {
        try
        {
            if (exception.GetType().GetMethod("GetRawResponse", BindingFlags.Public | BindingFlags.Instance, Type.EmptyTypes) is not { } getResponse
                || getResponse.Invoke(exception, null) is not { } response
                || response.GetType().GetProperty("Headers", BindingFlags.Public | BindingFlags.Instance) is not { } property
                || property.GetIndexParameters().Length != 0
                || property.GetValue(response) is not { } headers
                || headers.GetType().GetMethod("TryGetValue", BindingFlags.Public | BindingFlags.Instance, [typeof(string), typeof(string).MakeByRefType()]) is not { } tryGetValue
                || tryGetValue.ReturnType != typeof(bool))
            {
                return null;
            }

            return name =>
            {
                object?[] arguments = [name, null];
                try
                {
                    return tryGetValue.Invoke(headers, arguments) is true ? arguments[1] as string : null;
                }
                catch (TargetInvocationException)
                {
                    return null;
                }
            };
        }
        catch (Exception ex) when (ex is TargetInvocationException or AmbiguousMatchException)
        {
            return null;
        }
    }
}
