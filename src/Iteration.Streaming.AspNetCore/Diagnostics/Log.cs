using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AspNetCore.Diagnostics;

/// <summary>
/// Every log message of the ASP.NET Core package, with stable event ids (2000–2999). Never logs tokens, query strings
/// or file contents.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(2001, LogLevel.Debug, "Stream of generation {GenerationId} opened after event {AfterSequence}.")]
    public static partial void StreamOpened(ILogger logger, string generationId, long afterSequence);

    [LoggerMessage(2002, LogLevel.Debug, "Stream of generation {GenerationId} ended at event {LastSequence}: {Reason}.")]
    public static partial void StreamEnded(ILogger logger, string generationId, long lastSequence, string reason);

    [LoggerMessage(2003, LogLevel.Debug, "Stream of generation {GenerationId} answered 204: the client already has the terminal event.")]
    public static partial void StreamAlreadyComplete(ILogger logger, string generationId);

    [LoggerMessage(2004, LogLevel.Debug, "Stream token refused for generation {GenerationId}: {Status}.")]
    public static partial void TokenRefused(ILogger logger, string generationId, Iteration.Streaming.Security.StreamTokenStatus status);

    [LoggerMessage(2005, LogLevel.Debug, "Request refused with {StatusCode}: {Detail}")]
    public static partial void RequestRefused(ILogger logger, int statusCode, string detail);

    [LoggerMessage(2006, LogLevel.Information, "Generation {GenerationId} started through HTTP.")]
    public static partial void GenerationStarted(ILogger logger, string generationId);

    [LoggerMessage(2007, LogLevel.Information, "Iteration {GenerationId} of generation {ParentGenerationId} started through HTTP.")]
    public static partial void IterationStarted(ILogger logger, string generationId, string parentGenerationId);

    [LoggerMessage(2008, LogLevel.Information, "Cancellation of generation {GenerationId} requested through HTTP.")]
    public static partial void CancelRequested(ILogger logger, string generationId);

    [LoggerMessage(2009, LogLevel.Warning, "The archive of generation {GenerationId} failed after the response had started; the connection was aborted.")]
    public static partial void ArchiveFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(2010, LogLevel.Information, "Retry {GenerationId} of generation {RetryOf} started through HTTP.")]
    public static partial void RetryStarted(ILogger logger, string generationId, string retryOf);

    [LoggerMessage(2011, LogLevel.Information, "A control token for generation {GenerationId} was sent in a URL and refused.")]
    public static partial void ControlTokenInUrl(ILogger logger, string generationId);

    [LoggerMessage(2012, LogLevel.Information, "An action on generation {GenerationId} carried a token in its URL and was refused.")]
    public static partial void ActionTokenInUrl(ILogger logger, string generationId);

    [LoggerMessage(2013, LogLevel.Information, "Stream of generation {GenerationId} refused: {Open} streams are open, the limit (IterationStreaming:MaxStreamsPerGeneration).")]
    public static partial void StreamLimitReached(ILogger logger, string generationId, int open);

    [LoggerMessage(2014, LogLevel.Error, "{Method} {Endpoint} failed with an unexpected exception; the client got a 500 with reference {Reference}.")]
    public static partial void UnexpectedError(ILogger logger, string method, string endpoint, string reference, Exception exception);

    [LoggerMessage(2030, LogLevel.Information, "A request with a known Idempotency-Key answered generation {GenerationId} again instead of starting another.")]
    public static partial void IdempotentReplay(ILogger logger, string generationId);

    [LoggerMessage(2031, LogLevel.Warning, "Generation {GenerationId} started, but its Idempotency-Key could not be recorded; a repeat of the request would start another run.")]
    public static partial void IdempotencyKeyNotRecorded(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(2040, LogLevel.Information, "Input '{Action}' for generation {GenerationId} taken through HTTP.")]
    public static partial void InputSent(ILogger logger, string generationId, string action);

    [LoggerMessage(2050, LogLevel.Warning, "Generation {GenerationId} started, but its record could not be read for the 202's budget; the answer leaves the budget out.")]
    public static partial void BudgetNotRead(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(2051, LogLevel.Information, "A start was refused by the budget policy: limit {Limit}, {Used} used of {Allowed}.")]
    public static partial void BudgetRefused(ILogger logger, string limit, long used, long allowed);

    [LoggerMessage(2060, LogLevel.Information, "A watch set of {Count} generations was issued a watch token.")]
    public static partial void WatchSetIssued(ILogger logger, int count);

    [LoggerMessage(2061, LogLevel.Information, "A watch request was refused at generations[{Index}] ({GenerationId}): {Status}.")]
    public static partial void WatchMemberRefused(ILogger logger, int index, string generationId, string status);

    [LoggerMessage(2062, LogLevel.Information, "A multiplexed stream was refused: {Key} has {Open} open on this server (MaxMultiplexedStreamsPerOwner).")]
    public static partial void MultiplexLimitReached(ILogger logger, string key, int open);

    [LoggerMessage(2063, LogLevel.Warning, "An owner's stream could not look for new generations; it tries again at its next refresh.")]
    public static partial void OwnerRefreshFailed(ILogger logger, Exception exception);

    [LoggerMessage(2064, LogLevel.Information, "An owner's stream follows {Max} generations already (MaxGenerationsPerStream): generation {GenerationId} is not followed.")]
    public static partial void OwnerStreamFull(ILogger logger, string generationId, int max);

    [LoggerMessage(2070, LogLevel.Debug, "Diff of generation {GenerationId} against generation {AgainstGenerationId} served: {FileCount} paths as {MediaType}.")]
    public static partial void DiffServed(ILogger logger, string generationId, string againstGenerationId, int fileCount, string mediaType);

    [LoggerMessage(2071, LogLevel.Warning, "The patch of generation {GenerationId} failed after its answer had started; the connection was cut so that no partial patch looks whole.")]
    public static partial void PatchFailed(ILogger logger, string generationId, Exception exception);

    [LoggerMessage(2072, LogLevel.Information, "Fork {GenerationId} of generation {ForkedFrom} after phase {FromPhase} started through HTTP.")]
    public static partial void ForkStarted(ILogger logger, string generationId, string forkedFrom, int fromPhase);

    [LoggerMessage(2073, LogLevel.Information, "Revert {GenerationId} of {PathCount} paths of generation {ParentGenerationId} started through HTTP.")]
    public static partial void RevertStarted(ILogger logger, string generationId, string parentGenerationId, int pathCount);

    [LoggerMessage(2080, LogLevel.Debug, "Live state of generation {GenerationId} served: phase {Phase} (0: none in progress), {FileCount} files, at event {Sequence}.")]
    public static partial void LiveServed(ILogger logger, string generationId, int phase, int fileCount, long sequence);
}
