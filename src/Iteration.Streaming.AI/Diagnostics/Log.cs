using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AI.Diagnostics;

/// <summary>
/// Every log message of the AI package, with stable event ids (7000–7999). Never logs prompts, file contents, API keys
/// or the bodies of the model's error answers.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(7001, LogLevel.Debug, "Generation {GenerationId} phase {Phase}: asking the model ({PromptLength} characters; the contents of {IncludedFiles} of {SavedFiles} saved files).")]
    public static partial void Requesting(ILogger logger, string generationId, int phase, int promptLength, int includedFiles, int savedFiles);

    [LoggerMessage(7002, LogLevel.Debug, "Generation {GenerationId} phase {Phase}: the model wrote {FileCount} files in {ResponseLength} characters ({InputTokens} input, {OutputTokens} output tokens; finish reason {FinishReason}).")]
    public static partial void Answered(ILogger logger, string generationId, int phase, int fileCount, long responseLength, long inputTokens, long outputTokens, string? finishReason);

    [LoggerMessage(7003, LogLevel.Warning, "Generation {GenerationId} phase {Phase}: the model request failed ({Failure}, {ExceptionType}).")]
    public static partial void ModelFailed(ILogger logger, string generationId, int phase, string failure, string exceptionType);

    [LoggerMessage(7004, LogLevel.Warning, "Generation {GenerationId} phase {Phase}: the model's answer ({ResponseLength} characters) held no <file> block.")]
    public static partial void NoFiles(ILogger logger, string generationId, int phase, long responseLength);

    [LoggerMessage(7005, LogLevel.Warning, "Generation {GenerationId} phase {Phase}: the model's answer ended inside a file ({FinishReason}).")]
    public static partial void UnclosedFile(ILogger logger, string generationId, int phase, string? finishReason);

    [LoggerMessage(7006, LogLevel.Information, "Generation {GenerationId} phase {Phase}: the model is unavailable for now ({Cause}; Retry-After {RetryAfter}); the engine may retry the phase.")]
    public static partial void Transient(ILogger logger, string generationId, int phase, string cause, TimeSpan? retryAfter);

    [LoggerMessage(7007, LogLevel.Information, "Generation {GenerationId} phase {Phase}: continuing the model's response from the checkpoint ({Characters} characters of the current file, {Files} files of the phase kept).")]
    public static partial void Continuing(ILogger logger, string generationId, int phase, int characters, int files);

    [LoggerMessage(7008, LogLevel.Warning, "Generation {GenerationId} phase {Phase}: the model's response is not continued, the phase starts again from its beginning: {Reason}.")]
    public static partial void NotContinuing(ILogger logger, string generationId, int phase, string reason);
}
