using System.Runtime.CompilerServices;
using System.Text.Json;
using Iteration.Streaming.AI.Diagnostics;
using Iteration.Streaming.AI.Exchange;
using Iteration.Streaming.AI.Prompting;
using Iteration.Streaming.AI.Serialization;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// The phase generator over an <see cref="IChatClient"/>: one streamed chat request per phase, its text read as
/// <c>&lt;file path="…"&gt;…&lt;/file&gt;</c> blocks, each file yielded as soon as its closing tag arrives, the file
/// being written reported live (throttled), the output tokens estimated from the characters streamed (at the same
/// rate) until the model reports its real usage, and that usage summed into the phase's.
/// </summary>
/// <remarks>One instance per run (it is scoped), so its throttles are the generation's.</remarks>
internal sealed class ChatClientPhaseGenerator(
    IChatClient chatClient,
    PhasePromptBuilder promptBuilder,
    ChatClientGeneratorOptions options,
    TimeProvider timeProvider,
    ILogger logger) : IPhaseGenerator
{
    /// <summary>The longest model name passed on with usage; a longer one (or one with control characters) is not used.</summary>
    internal const int MaxModelNameLength = 200;

    private readonly LiveProgressThrottle _throttle = new(timeProvider);
    private readonly LiveProgressThrottle _estimates = new(timeProvider);
    private string? _checkedPath;

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var phase = context.Phase.Number;
        var prompt = await promptBuilder.BuildAsync(context, options, cancellationToken).ConfigureAwait(false);
        Log.Requesting(logger, context.GenerationId, phase, prompt.Length, prompt.IncludedFiles, prompt.SavedFiles);

        using var idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, idle.Token);
        var parser = new FileTagParser();
        var completed = new List<ParsedFile>();
        var usage = new PhaseUsage();
        var estimate = new OutputEstimate(options.CharactersPerToken);
        string? finishReason = null;
        var chatOptions = CreateChatOptions();
        var requestedModel = ModelName(chatOptions.ModelId) ?? ModelName(chatClient.GetService<ChatClientMetadata>()?.DefaultModelId);
        string? answeringModel = null;

        var updates = Open(prompt, chatOptions, context, idle, linked.Token, cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
                // A model that never stops writing (and a client that ignores the token) still stops here, at once,
                // when the engine cancels the run (such as for its budget).
                cancellationToken.ThrowIfCancellationRequested();

                // The idle clock runs only while waiting for the model, not while the engine takes a file or a report.
                idle.CancelAfter(options.ResponseIdleTimeout);
                var more = await NextAsync(updates, context, idle, cancellationToken).ConfigureAwait(false);
                idle.CancelAfter(Timeout.InfiniteTimeSpan);
                if (!more)
                {
                    break;
                }

                var update = updates.Current;
                if (update.Contents.Count == 0 && StreamedModelError.TryRead(update.RawRepresentation, out var errorCode, out var errorMessage))
                {
                    Log.ModelFailed(logger, context.GenerationId, phase, "streamed error", update.RawRepresentation!.GetType().Name);
                    throw ModelFailures.Reported(phase, errorCode, errorMessage);
                }

                finishReason = update.FinishReason?.Value ?? finishReason;
                answeringModel = ModelName(update.ModelId) ?? answeringModel;
                foreach (var content in update.Contents)
                {
                    switch (content)
                    {
                        case TextContent text:
                            parser.Append(text.Text, completed);
                            if (parser.TotalLength > options.MaxResponseCharacters)
                            {
                                throw ModelFailures.TooLong(phase, options.MaxResponseCharacters);
                            }

                            break;
                        case UsageContent { Details: var details }:
                            if (usage.Add(context, details.InputTokenCount ?? 0, details.OutputTokenCount ?? 0, answeringModel ?? requestedModel))
                            {
                                // Real usage replaced the estimate of the text so far; only text after it is estimated.
                                estimate.Replaced(parser.TotalLength);
                            }

                            break;
                        case ErrorContent error:
                            Log.ModelFailed(logger, context.GenerationId, phase, "error content", nameof(ErrorContent));
                            throw ModelFailures.Reported(phase, error.ErrorCode, error.Message);
                    }
                }

                // At the live-progress rate whatever is (or is not) being written, so a runaway answer meets the
                // budget within one interval; never once per chunk.
                if (estimate.HasNews(parser.TotalLength) && _estimates.TryEnter(context.GenerationId, options.LiveProgressInterval))
                {
                    context.Progress.EstimateOutputTokens(estimate.Take(parser.TotalLength));
                }

                foreach (var file in completed)
                {
                    CheckPath(file.Path);
                    yield return GeneratedFile.FromText(file.Path, file.Content);
                }

                completed.Clear();
                if (parser.CurrentPath is { } opened)
                {
                    CheckPath(opened);
                }

                if (options.ReportLiveProgress
                    && parser.CurrentPath is { } current
                    && PathText.IsDisplayable(current)
                    && _throttle.TryEnter(context.GenerationId, options.LiveProgressInterval))
                {
                    await context.Progress.ReportAsync(current, LiveOutput(current, parser.CurrentLength, parser.Tail(options.LiveTailLength)), cancellationToken).ConfigureAwait(false);
                }
            }
        }

        // The text the throttle held back since the last estimate, so a model that reports no usage is counted whole.
        if (estimate.HasNews(parser.TotalLength))
        {
            context.Progress.EstimateOutputTokens(estimate.Take(parser.TotalLength));
        }

        Log.Answered(logger, context.GenerationId, phase, parser.FileCount, parser.TotalLength, usage.InputTokens, usage.OutputTokens, finishReason);
        if (parser.CurrentPath is { } unclosed)
        {
            Log.UnclosedFile(logger, context.GenerationId, phase, finishReason);
            throw ModelFailures.Unclosed(phase, unclosed, finishReason);
        }

        if (parser.FileCount == 0)
        {
            Log.NoFiles(logger, context.GenerationId, phase, parser.TotalLength);

            // Asked for a phase's files, a model that wrote none failed (an error the client did not surface, an answer
            // off the format). An iteration's prompt lets it write nothing where nothing changes (a fork of a new generation writes its phases in full); the engine lets any
            // generator yield nothing, so the rule lives here, where the prompt is.
            if (context.ModificationPrompt is null || PhasePromptBuilder.IsFresh(context))
            {
                throw ModelFailures.NoFiles(phase, parser.TotalLength, finishReason);
            }
        }
    }

    /// <summary>
    /// The core's path rules on a path the model opened, checked once per file as soon as its open tag arrives, so a
    /// refused path (<c>..</c>, <c>.git/config</c>) fails the phase before its content streams.
    /// </summary>
    private void CheckPath(string path)
    {
        if (!string.Equals(path, _checkedPath, StringComparison.Ordinal))
        {
            FilePathValidator.ThrowIfInvalid(path, FileTagParser.MaxPathLength);
            _checkedPath = path;
        }
    }

    /// <summary>The live <c>partial_output</c>: <c>{"file": path, "chars": n, "tail": "last lines"}</c> (no tail when empty).</summary>
    internal static Dictionary<string, JsonElement> LiveOutput(string path, int characters, string tail)
    {
        var output = new Dictionary<string, JsonElement>(StringComparer.Ordinal)
        {
            ["file"] = JsonSerializer.SerializeToElement(path, AiJsonContext.Default.String),
            ["chars"] = JsonSerializer.SerializeToElement(characters, AiJsonContext.Default.Int32),
        };
        if (tail.Length > 0)
        {
            output["tail"] = JsonSerializer.SerializeToElement(tail, AiJsonContext.Default.String);
        }

        return output;
    }

    /// <summary>A model's name as a client or an answer gives it, when it is plain enough to price and show.</summary>
    internal static string? ModelName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= MaxModelNameLength && !name.Any(char.IsControl) ? name : null;

    private IAsyncEnumerator<ChatResponseUpdate> Open(PhasePrompt prompt, ChatOptions chatOptions, PhaseContext context, CancellationTokenSource idle, CancellationToken requestToken, CancellationToken cancellationToken)
    {
        try
        {
            return chatClient.GetStreamingResponseAsync(prompt.Messages, chatOptions, requestToken).GetAsyncEnumerator(requestToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Failure(ex, context, idle, cancellationToken);
        }
    }

    private async ValueTask<bool> NextAsync(IAsyncEnumerator<ChatResponseUpdate> updates, PhaseContext context, CancellationTokenSource idle, CancellationToken cancellationToken)
    {
        try
        {
            return await updates.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Failure(ex, context, idle, cancellationToken);
        }
    }

    /// <summary>
    /// What a failed request becomes: a <see cref="TransientGenerationException"/> naming the cause when asking again may
    /// work (the engine retries from the last saved phase, announced to the user, honouring the model's
    /// <c>Retry-After</c>), with the full description as its inner exception; otherwise the description itself.
    /// </summary>
    private Exception Failure(Exception exception, PhaseContext context, CancellationTokenSource idle, CancellationToken cancellationToken)
    {
        if (cancellationToken.IsCancellationRequested)
        {
            // Whatever the client threw once the run was cancelled (a connection it aborted, say) is that cancellation:
            // never a failure of the model, never retried.
            return new OperationCanceledException("The generation was cancelled while the model answered.", exception, cancellationToken);
        }

        var phase = context.Phase.Number;
        GenerationFailedException failure;
        string? cause;
        if (idle.IsCancellationRequested && exception is OperationCanceledException)
        {
            Log.ModelFailed(logger, context.GenerationId, phase, "idle timeout", exception.GetType().Name);
            failure = ModelFailures.Idle(phase, options.ResponseIdleTimeout);
            cause = TransientFailures.TimedOut;
        }
        else
        {
            failure = ModelFailures.FromException(exception, phase, out var kind);
            Log.ModelFailed(logger, context.GenerationId, phase, kind, exception.GetType().Name);
            cause = TransientFailures.Cause(exception);
        }

        if (cause is null)
        {
            return failure;
        }

        var retryAfter = RetryAfterHeader.Read(exception, timeProvider);
        Log.Transient(logger, context.GenerationId, phase, cause, retryAfter);
        return new TransientGenerationException(cause, retryAfter, failure);
    }

    private ChatOptions CreateChatOptions()
    {
        var chatOptions = options.ChatOptions?.Clone() ?? new ChatOptions();
        if (options.MaxOutputTokens is { } maxOutputTokens)
        {
            chatOptions.MaxOutputTokens = maxOutputTokens;
        }

        return chatOptions;
    }

    /// <summary>The tokens one phase's request spent, as the model reported them.</summary>
    private sealed class PhaseUsage
    {
        public long InputTokens { get; private set; }

        public long OutputTokens { get; private set; }

        /// <summary>Hands a report to the engine; <see langword="false"/> when it holds no tokens (nothing was reported).</summary>
        public bool Add(PhaseContext context, long input, long output, string? model)
        {
            input = Math.Max(0, input);
            output = Math.Max(0, output);
            if (input == 0 && output == 0)
            {
                return false;
            }

            InputTokens += input;
            OutputTokens += output;
            // The engine counts them (iteration.streaming.tokens) with the phase's usage, prices them by the model's
            // name, checks the budget, and drops the estimate of the call.
            context.Progress.AddUsage(input, output, model);
            return true;
        }
    }

    /// <summary>
    /// The estimate of the output tokens of the call in progress: the characters streamed since its last real usage
    /// report, over <c>CharactersPerToken</c>, rounded up.
    /// </summary>
    private sealed class OutputEstimate(double charactersPerToken)
    {
        private long _replacedAt;
        private long _estimatedAt;

        /// <summary>Whether text arrived since the last estimate (or the last real usage).</summary>
        public bool HasNews(long streamed) => streamed > _estimatedAt;

        /// <summary>The estimate of the text since the last real usage, now counted as estimated.</summary>
        public long Take(long streamed)
        {
            _estimatedAt = streamed;
            return (long)Math.Ceiling((streamed - _replacedAt) / charactersPerToken);
        }

        /// <summary>Real usage covered the text streamed so far.</summary>
        public void Replaced(long streamed)
        {
            _replacedAt = streamed;
            _estimatedAt = streamed;
        }
    }
}
