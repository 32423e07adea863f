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
/// being written reported live (throttled), and the tokens the model reports summed into the phase's usage.
/// </summary>
/// <remarks>One instance per run (it is scoped), so its throttle is the generation's.</remarks>
internal sealed class ChatClientPhaseGenerator(
    IChatClient chatClient,
    PhasePromptBuilder promptBuilder,
    ChatClientGeneratorOptions options,
    TimeProvider timeProvider,
    ILogger logger) : IPhaseGenerator
{
    private readonly LiveProgressThrottle _throttle = new(timeProvider);
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
        string? finishReason = null;

        var updates = Open(prompt, context, idle, linked.Token, cancellationToken);
        await using (updates.ConfigureAwait(false))
        {
            while (true)
            {
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
                            usage.Add(context, details.InputTokenCount ?? 0, details.OutputTokenCount ?? 0);
                            break;
                        case ErrorContent error:
                            Log.ModelFailed(logger, context.GenerationId, phase, "error content", nameof(ErrorContent));
                            throw ModelFailures.Reported(phase, error.ErrorCode, error.Message);
                    }
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
            // off the format). An iteration's prompt lets it write nothing where nothing changes; the engine lets any
            // generator yield nothing, so the rule lives here, where the prompt is.
            if (context.ModificationPrompt is null)
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

    private IAsyncEnumerator<ChatResponseUpdate> Open(PhasePrompt prompt, PhaseContext context, CancellationTokenSource idle, CancellationToken requestToken, CancellationToken cancellationToken)
    {
        try
        {
            return chatClient.GetStreamingResponseAsync(prompt.Messages, CreateChatOptions(), requestToken).GetAsyncEnumerator(requestToken);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(ex, context, idle);
        }
    }

    private async ValueTask<bool> NextAsync(IAsyncEnumerator<ChatResponseUpdate> updates, PhaseContext context, CancellationTokenSource idle, CancellationToken cancellationToken)
    {
        try
        {
            return await updates.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw Failure(ex, context, idle);
        }
    }

    private GenerationFailedException Failure(Exception exception, PhaseContext context, CancellationTokenSource idle)
    {
        var phase = context.Phase.Number;
        if (idle.IsCancellationRequested && exception is OperationCanceledException)
        {
            Log.ModelFailed(logger, context.GenerationId, phase, "idle timeout", exception.GetType().Name);
            return ModelFailures.Idle(phase, options.ResponseIdleTimeout);
        }

        var failure = ModelFailures.FromException(exception, phase, out var kind);
        Log.ModelFailed(logger, context.GenerationId, phase, kind, exception.GetType().Name);
        return failure;
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

        public void Add(PhaseContext context, long input, long output)
        {
            input = Math.Max(0, input);
            output = Math.Max(0, output);
            if (input == 0 && output == 0)
            {
                return;
            }

            InputTokens += input;
            OutputTokens += output;
            // The engine counts them (iteration.streaming.tokens) with the phase's usage.
            context.Progress.AddUsage(input, output);
        }
    }
}
