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
/// being written reported live (throttled, as deltas the engine checkpoints), the output tokens estimated from the
/// characters streamed (at the same rate) until the model reports its real usage, and that usage summed into the phase's.
/// With <see cref="ChatClientGeneratorOptions.BackgroundResponses"/>, the model's continuation token is checkpointed
/// with each report, and an interrupted phase continues inside the same response (<see cref="PrepareResumeAsync"/>).
/// </summary>
/// <remarks>One instance per run (it is scoped), so its throttles are the generation's.</remarks>
internal sealed class ChatClientPhaseGenerator(
    IChatClient chatClient,
    PhasePromptBuilder promptBuilder,
    ChatClientGeneratorOptions options,
    TimeProvider timeProvider,
    ILogger logger) : IResumablePhaseGenerator, IAsyncDisposable, IDisposable
{
    /// <summary>The longest model name passed on with usage; a longer one (or one with control characters) is not used.</summary>
    internal const int MaxModelNameLength = 200;

    private readonly LiveProgressThrottle _throttle = new(timeProvider);
    private readonly LiveProgressThrottle _estimates = new(timeProvider);
    private string? _checkedPath;
    private PreparedContinuation? _prepared;

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        var phase = context.Phase.Number;
        var prepared = TakePrepared(context);
        var parser = prepared?.Parser ?? new FileTagParser();
        var live = new LiveState();
        var completed = new List<ParsedFile>();
        var usage = new PhaseUsage();
        var estimate = new OutputEstimate(options.CharactersPerToken);
        string? finishReason = null;
        var chatOptions = CreateChatOptions();
        var requestedModel = ModelName(chatOptions.ModelId) ?? ModelName(chatClient.GetService<ChatClientMetadata>()?.DefaultModelId);
        string? answeringModel = null;

        ModelStream stream;
        if (prepared is not null)
        {
            // The checkpoint's files are the phase's already; the current file's text so far was reported.
            live.Restore(prepared.State, context.Checkpoint!.CurrentText.Length);
            _checkedPath = parser.CurrentPath;
            stream = prepared.Stream;
        }
        else
        {
            var prompt = await promptBuilder.BuildAsync(context, options, cancellationToken).ConfigureAwait(false);
            Log.Requesting(logger, context.GenerationId, phase, prompt.Length, prompt.IncludedFiles, prompt.SavedFiles);
            stream = Open(prompt.Messages, chatOptions, context, cancellationToken);
        }

        await using (stream.ConfigureAwait(false))
        await using (cancellationToken.Register(static s => ((ModelStream)s!).Abort(), stream).ConfigureAwait(false))
        {
            while (true)
            {
                // A model that never stops writing (and a client that ignores the token) still stops here, at once,
                // when the engine cancels the run (such as for its budget).
                cancellationToken.ThrowIfCancellationRequested();

                if (!stream.TryTakeFirst(out var update))
                {
                    // The idle clock runs only while waiting for the model, not while the engine takes a file or a report.
                    stream.Idle.CancelAfter(options.ResponseIdleTimeout);
                    var more = await NextWithTrailingReportAsync(stream, context, parser, live, cancellationToken).ConfigureAwait(false);
                    stream.Idle.CancelAfter(Timeout.InfiniteTimeSpan);
                    if (!more)
                    {
                        break;
                    }

                    update = stream.Updates!.Current;
                }

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
                            // A continued response reports the whole response's usage once, at its end: the provider
                            // bills it once, and the interrupted run never received it, so it is added here only.
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

                live.Continued(update, options.BackgroundResponses);

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

                await ReportLiveAsync(context, parser, live, cancellationToken).ConfigureAwait(false);
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
    /// Continues the phase inside the model's response when background responses are on and the checkpoint holds this
    /// generator's state: opens the continuation from the checkpoint's token and checks its first update continues
    /// where the checkpoint stands (the same response, later in it); otherwise restarts, saying why.
    /// </summary>
    public async ValueTask<PhaseResumeDecision> PrepareResumeAsync(PhaseContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await DisposePreparedAsync().ConfigureAwait(false);
        var checkpoint = context.Checkpoint;
        string? reason = null;
        ChatContinuationState? state = null;
        if (checkpoint is null)
        {
            reason = "there is no checkpoint";
        }
        else if (!options.BackgroundResponses)
        {
            reason = "background responses are off (BackgroundResponses), so the model's answer cannot be continued";
        }
        else if (checkpoint.ResumeState.IsEmpty)
        {
            reason = "the model gave no continuation token (its client or server does not support background responses)";
        }
        else if (!ChatContinuationState.TryRead(checkpoint.ResumeState, out state, out var problem))
        {
            reason = problem;
        }
        else if (!string.Equals(state.File, checkpoint.CurrentFile, StringComparison.Ordinal) || state.FileChars != checkpoint.CurrentText.Length)
        {
            reason = "the checkpoint's text does not match its resume state";
        }

        if (reason is null)
        {
            reason = await OpenContinuationAsync(context, checkpoint!, state!, cancellationToken).ConfigureAwait(false);
        }

        if (reason is not null)
        {
            Log.NotContinuing(logger, context.GenerationId, context.Phase.Number, reason);
            return PhaseResumeDecision.Restart(reason);
        }

        Log.Continuing(logger, context.GenerationId, context.Phase.Number, checkpoint!.CurrentText.Length, checkpoint.Files.Count);
        return PhaseResumeDecision.Continue;
    }

    public ValueTask DisposeAsync() => DisposePreparedAsync();

    /// <summary>A scope disposed synchronously: the unused continuation's request is stopped, its stream left to end.</summary>
    public void Dispose()
    {
        if (Interlocked.Exchange(ref _prepared, null) is { } prepared)
        {
            prepared.Stream.Abort();
            _ = prepared.Stream.DisposeAsync().AsTask();
        }
    }

    /// <summary>Opens the continuation; <see langword="null"/> when it continues where the checkpoint stands, else why not.</summary>
    private async ValueTask<string?> OpenContinuationAsync(PhaseContext context, PhaseCheckpoint checkpoint, ChatContinuationState state, CancellationToken cancellationToken)
    {
        FileTagParser parser;
        try
        {
            parser = new FileTagParser(checkpoint.CurrentFile, checkpoint.CurrentText, state.Pending, state.AtContentStart, state.TotalChars, state.Files);
        }
        catch (ArgumentException)
        {
            return "the checkpoint's resume state is corrupt";
        }

        var chatOptions = CreateChatOptions();
        // MEAI001 (experimental): the token the checkpoint kept; background stays allowed so later updates carry tokens too.
#pragma warning disable MEAI001
        chatOptions.ContinuationToken = ResponseContinuationToken.FromBytes(state.Token!);
#pragma warning restore MEAI001
        var stream = Open([], chatOptions, context, cancellationToken);
        string? reason;
        try
        {
            stream.Idle.CancelAfter(options.ResponseIdleTimeout);
            if (!await NextAsync(stream, context, cancellationToken).ConfigureAwait(false))
            {
                reason = "the model's continuation ended without a word";
            }
            else
            {
                reason = Mismatch(stream.Updates!.Current, state);
            }

            stream.Idle.CancelAfter(Timeout.InfiniteTimeSpan);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // Failure() already logged what went wrong; the reason names it without the endpoint's own words.
            var failure = (ex as TransientGenerationException)?.InnerException ?? ex;
            reason = "the model could not continue its response: " + Unsentence(failure.Message);
        }

        if (reason is not null)
        {
            await stream.DisposeAsync().ConfigureAwait(false);
            return reason;
        }

        stream.KeepFirst();
        _prepared = new PreparedContinuation(stream, parser, state, checkpoint.Phase, checkpoint.Sequence);
        return null;
    }

    /// <summary>Why the first update of a continuation does not continue the checkpoint's response, or <see langword="null"/>.</summary>
    private static string? Mismatch(ChatResponseUpdate first, ChatContinuationState state)
    {
        if (first.Contents.OfType<ErrorContent>().Any() || StreamedModelError.TryRead(first.RawRepresentation, out _, out _))
        {
            return "the model answered the continuation with an error";
        }

        if (first.ResponseId is { Length: > 0 } id && state.ResponseId is { Length: > 0 } expected && !string.Equals(id, expected, StringComparison.Ordinal))
        {
            return "the model continued another response than the checkpoint's";
        }

        // Never splice: a continuation that starts at or before the checkpoint's event replays text already kept.
#pragma warning disable MEAI001 // ContinuationToken is experimental.
        var firstToken = first.ContinuationToken;
#pragma warning restore MEAI001
        if (firstToken is { } token
            && ChatContinuationState.SequenceNumber(token.ToBytes().Span) is { } sequence
            && ChatContinuationState.SequenceNumber(state.Token!) is { } checkpointed
            && sequence <= checkpointed)
        {
            return "the model replayed its response from the start instead of continuing it";
        }

        return null;
    }

    private static string Unsentence(string message)
    {
        var text = message.TrimEnd('.');
        return text.Length > 0 ? char.ToLowerInvariant(text[0]) + text[1..] : text;
    }

    private PreparedContinuation? TakePrepared(PhaseContext context)
    {
        var prepared = _prepared;
        _prepared = null;
        if (prepared is null)
        {
            return null;
        }

        if (context.Checkpoint is { } checkpoint && checkpoint.Phase == prepared.Phase && checkpoint.Sequence == prepared.Sequence)
        {
            return prepared;
        }

        // The engine restarted the phase after all: the opened continuation is not used.
        _ = prepared.Stream.DisposeAsync().AsTask();
        return null;
    }

    private async ValueTask DisposePreparedAsync()
    {
        if (Interlocked.Exchange(ref _prepared, null) is { } prepared)
        {
            await prepared.Stream.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Reports the file being written (the text since the last report, with the resume state), or between files the
    /// resume state alone when it changed, at most once per <see cref="ChatClientGeneratorOptions.LiveProgressInterval"/>.
    /// </summary>
    private async ValueTask ReportLiveAsync(PhaseContext context, FileTagParser parser, LiveState live, CancellationToken cancellationToken)
    {
        if (!options.ReportLiveProgress || !live.HasNews(parser) || !_throttle.TryEnter(context.GenerationId, options.LiveProgressInterval))
        {
            return;
        }

        // Written out: a null array would convert to an empty state, which is not "no state".
        ReadOnlyMemory<byte>? state = null;
        if (live.Token is { } token)
        {
            state = ChatContinuationState.Of(token, live.ResponseId, parser).ToBytes();
        }

        if (parser.CurrentPath is not { } path)
        {
            await context.Progress.ReportLiveAsync(new PhaseLiveUpdate { File = null, ResumeState = state }, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            live.Opened(path, parser.FileCount);
            var text = parser.CurrentText(live.Reported);
            await context.Progress.ReportLiveAsync(
                new PhaseLiveUpdate { File = path, Offset = live.Reported, Text = text, ResumeState = state, TailLength = options.LiveTailLength },
                cancellationToken).ConfigureAwait(false);
            live.Reported += text.Length;
        }

        live.StateReported();
    }

    /// <summary>
    /// The next update; while the model is silent with text not yet reported (the throttle held it back), reports it
    /// when the interval ends, so the live view (and the checkpoint) is never more than one interval behind the model.
    /// </summary>
    private async ValueTask<bool> NextWithTrailingReportAsync(ModelStream stream, PhaseContext context, FileTagParser parser, LiveState live, CancellationToken cancellationToken)
    {
        var next = NextAsync(stream, context, cancellationToken);
        if (next.IsCompleted || !options.ReportLiveProgress || !live.HasNews(parser))
        {
            return await next.ConfigureAwait(false);
        }

        var pending = next.AsTask();

        // A timer may fire a little before the throttle's clock says the interval ended: wait again for the rest.
        while (!pending.IsCompleted && live.HasNews(parser))
        {
            using (var delayCancellation = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                var delay = Task.Delay(_throttle.Remaining(context.GenerationId, options.LiveProgressInterval), timeProvider, delayCancellation.Token);
                var first = await Task.WhenAny(pending, delay).ConfigureAwait(false);
                await delayCancellation.CancelAsync().ConfigureAwait(false);
                if (first != delay || !delay.IsCompletedSuccessfully)
                {
                    break;
                }
            }

            try
            {
                await ReportLiveAsync(context, parser, live, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // The request in flight is stopped before the failure goes on, so the stream can be disposed.
                stream.Abort();
                try
                {
                    await pending.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Its end is the abort; the report's failure is the one that counts.
                }

                throw;
            }
        }

        return await pending.ConfigureAwait(false);
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

    /// <summary>A model's name as a client or an answer gives it, when it is plain enough to price and show.</summary>
    internal static string? ModelName(string? name) =>
        !string.IsNullOrWhiteSpace(name) && name.Length <= MaxModelNameLength && !name.Any(char.IsControl) ? name : null;

    /// <summary>Opens the model's stream (a new answer, or a continuation when <paramref name="chatOptions"/> holds a token).</summary>
    private ModelStream Open(IEnumerable<ChatMessage> messages, ChatOptions chatOptions, PhaseContext context, CancellationToken cancellationToken)
    {
        var stream = new ModelStream(timeProvider, cancellationToken);
        try
        {
            stream.Updates = chatClient.GetStreamingResponseAsync(messages, chatOptions, stream.RequestToken).GetAsyncEnumerator(stream.RequestToken);
            return stream;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var failure = Failure(ex, context, stream.Idle, cancellationToken);
            stream.DisposeSources();
            throw failure;
        }
    }

    private async ValueTask<bool> NextAsync(ModelStream stream, PhaseContext context, CancellationToken cancellationToken)
    {
        try
        {
            return await stream.Updates!.MoveNextAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            throw Failure(ex, context, stream.Idle, cancellationToken);
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

        if (options.BackgroundResponses)
        {
            // MEAI001: background responses are experimental in Microsoft.Extensions.AI 10.x; the option says so.
#pragma warning disable MEAI001
            chatOptions.AllowBackgroundResponses = true;
#pragma warning restore MEAI001
        }

        return chatOptions;
    }

    /// <summary>A continuation opened by <see cref="PrepareResumeAsync"/> for the next <see cref="GenerateAsync"/> of its checkpoint.</summary>
    private sealed record PreparedContinuation(ModelStream Stream, FileTagParser Parser, ChatContinuationState State, int Phase, long Sequence);

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
