using System.Diagnostics;
using System.Globalization;
using System.Runtime.ExceptionServices;
using Iteration.Streaming.AspNetCore.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Net.Http.Headers;

namespace Iteration.Streaming.AspNetCore.Http;

/// <summary>
/// Turns the library's typed exceptions into Problem Details: 400 invalid request, 404 unknown generation,
/// 409 conflict, 429 a budget refused (with its limit and reset), 503 (with <c>Retry-After</c>) when the queue is full, the host is stopping or storage refuses the
/// generation's first writes (a full disk); a client that went away into silence; and any
/// other exception into a 500 whose detail says nothing but a reference, the exception going only to the log.
/// </summary>
internal static class EndpointErrors
{
    /// <summary>The <c>Retry-After</c> seconds sent with 503 when no more generations can be queued.</summary>
    public const int CapacityRetryAfterSeconds = 5;

    /// <summary>The <c>Retry-After</c> seconds sent with 503 when storage refused a generation: space comes back slower than a slot.</summary>
    public const int StorageRetryAfterSeconds = 30;

    /// <summary>The detail of that 503: generic, the store's own error (a path, an error code) goes only to the log.</summary>
    public const string StorageUnavailableDetail =
        "The server's storage is unavailable or full, so the generation could not be stored and was not started; retry later.";

    public static RequestDelegate Handle(Func<HttpContext, Task> handler, ILogger logger) => async context =>
    {
        try
        {
            await handler(context).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await FailAsync(context, logger, ex).ConfigureAwait(false);
        }
    };

    /// <summary>
    /// Answers <paramref name="exception"/> as <see cref="Handle"/> does, for an endpoint that catches its own (the stream,
    /// which keeps no wrapper waiting for its whole life); rethrows what cannot be answered any more.
    /// </summary>
    public static async Task FailAsync(HttpContext context, ILogger logger, Exception exception)
    {
        if (exception is OperationCanceledException && context.RequestAborted.IsCancellationRequested)
        {
            // The client went away: nothing to answer.
            return;
        }

        if (context.Response.HasStarted)
        {
            // After the response has started nothing can be answered any more: the exception goes on to the server, which
            // logs it and ends the connection (no detail reaches the client), or to a middleware of the host's that expects it.
            ExceptionDispatchInfo.Throw(exception);
        }

        if (exception is GenerationBudgetExceededException budget)
        {
            await BudgetExceededAsync(context, logger, budget).ConfigureAwait(false);
            return;
        }

        if (Map(exception, context) is { } error)
        {
            context.Response.Clear();
            if (error.StatusCode == StatusCodes.Status503ServiceUnavailable)
            {
                var retryAfter = exception is GenerationStorageUnavailableException ? StorageRetryAfterSeconds : CapacityRetryAfterSeconds;
                context.Response.Headers[HeaderNames.RetryAfter] = retryAfter.ToString(CultureInfo.InvariantCulture);
            }

            await Problems.WriteAsync(context, logger, error.StatusCode, error.Detail).ConfigureAwait(false);
            return;
        }

        await UnexpectedAsync(context, logger, exception).ConfigureAwait(false);
    }

    /// <summary>
    /// A budget policy refused the start: 429 of type <see cref="GenerationBudgetExceededException.ProblemType"/>, naming
    /// the limit, its value and what is used of it, and when it resets (also as <c>Retry-After</c>, in whole seconds).
    /// </summary>
    private static Task BudgetExceededAsync(HttpContext context, ILogger logger, GenerationBudgetExceededException exception)
    {
        Log.BudgetRefused(logger, exception.Limit, exception.Used, exception.Allowed);
        context.Response.Clear();
        var extensions = new Dictionary<string, object?>(StringComparer.Ordinal);
        if (!string.IsNullOrEmpty(exception.Limit))
        {
            // An exception made with a message only names no limit: no made-up zeros beside it.
            extensions["limit"] = exception.Limit;
            extensions["allowed"] = exception.Allowed;
            extensions["used"] = exception.Used;
        }

        if (exception.ResetsAt is { } resetsAt)
        {
            extensions["resets_at"] = resetsAt;
            var now = (context.RequestServices.GetService<TimeProvider>() ?? TimeProvider.System).GetUtcNow();
            var seconds = Math.Max(0, Math.Ceiling((resetsAt - now).TotalSeconds));
            context.Response.Headers[HeaderNames.RetryAfter] = ((long)Math.Min(seconds, int.MaxValue)).ToString(CultureInfo.InvariantCulture);
        }

        var detail = string.IsNullOrEmpty(exception.Message) ? "The budget is exceeded." : exception.Message;
        return Problems.WriteAsync(
            context, logger, StatusCodes.Status429TooManyRequests, detail, extensions, GenerationBudgetExceededException.ProblemType);
    }

    /// <summary>
    /// Answers an unexpected exception with a generic 500 and a reference (the trace id, as ASP.NET Core's own Problem
    /// Details carry it); its message, which may hold internals or secrets, goes only to the log.
    /// </summary>
    private static async Task UnexpectedAsync(HttpContext context, ILogger logger, Exception exception)
    {
        var reference = Activity.Current?.Id ?? context.TraceIdentifier;
        var endpoint = context.GetEndpoint()?.DisplayName ?? "Iteration.Streaming";
        Log.UnexpectedError(logger, context.Request.Method, endpoint, reference, exception);
        context.Response.Clear();
        await Problems.WriteAsync(
            context,
            logger,
            StatusCodes.Status500InternalServerError,
            $"The server could not complete the request. The details are in the server's log under the reference '{reference}'.",
            new Dictionary<string, object?>(StringComparer.Ordinal) { ["traceId"] = reference }).ConfigureAwait(false);
    }

    private static RequestError? Map(Exception exception, HttpContext context) => exception switch
    {
        // The engine admits nothing once the host is stopping; another instance takes the request.
        ObjectDisposedException when context.RequestServices.GetService<IHostApplicationLifetime>()?.ApplicationStopping.IsCancellationRequested == true =>
            new(StatusCodes.Status503ServiceUnavailable, "This server is shutting down and starts no new generations; retry, and another server takes the request."),
        InvalidGenerationRequestException => new(StatusCodes.Status400BadRequest, exception.Message),
        GenerationNotFoundException => new(StatusCodes.Status404NotFound, exception.Message),
        GenerationConflictException => new(StatusCodes.Status409Conflict, exception.Message),
        GenerationInputLimitException => new(StatusCodes.Status429TooManyRequests, exception.Message),
        GenerationCapacityException => new(StatusCodes.Status503ServiceUnavailable,
            string.IsNullOrEmpty(exception.Message) ? "No more generations can be queued now; retry later." : exception.Message),
        GenerationStorageUnavailableException => new(StatusCodes.Status503ServiceUnavailable, StorageUnavailableDetail),
        BadHttpRequestException bad => new(bad.StatusCode, "The request could not be read."),
        _ => null,
    };
}
