using System.Globalization;
using Azure;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>
/// Recognises what the blob service answered and turns a failure into an <see cref="IOException"/> that says what the
/// sink was doing, in which container, and what the service said (status and error code, never the request).
/// </summary>
internal static class BlobFailures
{
    public static bool IsNotFound(RequestFailedException ex) => ex.Status == 404;

    public static bool IsConditionNotMet(RequestFailedException ex) => ex.Status == 412;

    public static bool IsAlreadyExists(RequestFailedException ex) =>
        ex.Status == 409 && string.Equals(ex.ErrorCode, "BlobAlreadyExists", StringComparison.Ordinal);

    /// <summary>Whether <paramref name="exception"/> is the blob service (or the way to it) failing.</summary>
    public static bool IsStorageFailure(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        RequestFailedException => true,
        AggregateException aggregate => aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => IsStorageFailure(e, cancellationToken)),

        // The client's own network timeout, not the caller cancelling.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        _ => false,
    };

    public static IOException Wrap(Exception exception, string action, string container) =>
        new($"Blob storage failed while {action} (container '{container}'): {Describe(exception)}.", exception);

    private static string Describe(Exception exception) => exception switch
    {
        RequestFailedException { Status: 0 } failed => "no answer from the service (" + Innermost(failed).Message.TrimEnd('.') + ")",
        RequestFailedException failed => string.Create(
            CultureInfo.InvariantCulture,
            $"the service answered {failed.Status}{(string.IsNullOrEmpty(failed.ErrorCode) ? string.Empty : " " + failed.ErrorCode)}"),
        AggregateException aggregate when aggregate.InnerExceptions.Count > 0 =>
            Describe(aggregate.InnerExceptions[^1]) + string.Create(CultureInfo.InvariantCulture, $" after {aggregate.InnerExceptions.Count} tries"),
        OperationCanceledException => "the request timed out",
        _ => exception.Message,
    };

    private static Exception Innermost(Exception exception)
    {
        while (exception.InnerException is { } inner)
        {
            exception = inner;
        }

        return exception;
    }
}
