using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>
/// A fake model: each streamed request plays the next scripted answer, step by step, and records what it was asked.
/// Only <see cref="GetStreamingResponseAsync"/> is scripted; the generator never calls anything else.
/// </summary>
public sealed class ScriptedChatClient : IChatClient
{
    private readonly ConcurrentQueue<ChatStep[]> _answers = new();
    private readonly ConcurrentQueue<ChatRequest> _requests = new();

    /// <summary>What <see cref="GetService"/> answers for <see cref="ChatClientMetadata"/> (the client's default model), if anything.</summary>
    public ChatClientMetadata? Metadata { get; set; }

    /// <summary>The requests received, in order.</summary>
    public IReadOnlyList<ChatRequest> Requests => [.. _requests];

    /// <summary>Queues the answer to the next request.</summary>
    public ScriptedChatClient Answer(params ChatStep[] steps)
    {
        _answers.Enqueue(steps);
        return this;
    }

    /// <summary>Queues an answer made of text chunks.</summary>
    public ScriptedChatClient AnswerText(params string[] chunks) => Answer([.. chunks.Select(ChatStep.Text)]);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        _requests.Enqueue(new ChatRequest([.. messages], options));
        if (!_answers.TryDequeue(out var steps))
        {
            throw new InvalidOperationException("The scripted chat client has no answer left for this request.");
        }

        foreach (var step in steps)
        {
            cancellationToken.ThrowIfCancellationRequested();
            if (await step.RunAsync(cancellationToken) is { } update)
            {
                yield return update;
            }
        }
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The generator streams; it never asks for a whole response.");

    public object? GetService(Type serviceType, object? serviceKey = null) =>
        serviceType == typeof(ChatClientMetadata) ? Metadata : serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}

/// <summary>One request the fake model received.</summary>
public sealed record ChatRequest(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)
{
    public string System => Messages.Single(m => m.Role == ChatRole.System).Text;

    public string User => Messages.Single(m => m.Role == ChatRole.User).Text;
}

/// <summary>One step of a scripted answer: an update to stream, or something that happens between updates.</summary>
public sealed class ChatStep
{
    private readonly Func<CancellationToken, Task<ChatResponseUpdate?>> _run;

    private ChatStep(Func<CancellationToken, Task<ChatResponseUpdate?>> run) => _run = run;

    public Task<ChatResponseUpdate?> RunAsync(CancellationToken cancellationToken) => _run(cancellationToken);

    public static ChatStep Text(string text) => Update(new ChatResponseUpdate(ChatRole.Assistant, text));

    /// <summary>Text from a named model, as clients that pass on the answer's <c>model</c> report it.</summary>
    public static ChatStep Text(string text, string modelId) => Update(new ChatResponseUpdate(ChatRole.Assistant, text) { ModelId = modelId });

    public static ChatStep Usage(long inputTokens, long outputTokens, string? modelId = null) => Update(new ChatResponseUpdate
    {
        Role = ChatRole.Assistant,
        ModelId = modelId,
        Contents = [new UsageContent(new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = outputTokens, TotalTokenCount = inputTokens + outputTokens })],
    });

    public static ChatStep Finish(ChatFinishReason reason) => Update(new ChatResponseUpdate { Role = ChatRole.Assistant, FinishReason = reason });

    public static ChatStep Error(string message, string? code) => Update(new ChatResponseUpdate
    {
        Role = ChatRole.Assistant,
        Contents = [new ErrorContent(message) { ErrorCode = code }],
    });

    public static ChatStep Update(ChatResponseUpdate update) => new(_ => Task.FromResult<ChatResponseUpdate?>(update));

    /// <summary>An update made only when the generator asks for it, so a test can tell whether it asked.</summary>
    public static ChatStep WhenAsked(Func<ChatResponseUpdate> update) => new(_ => Task.FromResult<ChatResponseUpdate?>(update()));

    /// <summary>The model pauses (saying so through <paramref name="paused"/>): the next update waits until <paramref name="resume"/> completes.</summary>
    public static ChatStep Pause(TaskCompletionSource paused, Task resume) => new(async cancellationToken =>
    {
        paused.TrySetResult();
        await resume.WaitAsync(cancellationToken);
        return null;
    });

    /// <summary>Throws, as a client does when the endpoint fails.</summary>
    public static ChatStep Throw(Exception exception) => new(_ => Task.FromException<ChatResponseUpdate?>(exception));

    /// <summary>Moves a fake clock on before the next update.</summary>
    public static ChatStep Advance(Microsoft.Extensions.Time.Testing.FakeTimeProvider clock, TimeSpan by) => new(_ =>
    {
        clock.Advance(by);
        return Task.FromResult<ChatResponseUpdate?>(null);
    });

    /// <summary>Stops until the gate is released (or the request is cancelled).</summary>
    public static ChatStep Wait(ChatGate gate) => new(async cancellationToken =>
    {
        await gate.WaitAsync(cancellationToken);
        return null;
    });
}

/// <summary>A point a scripted answer stops at: the test learns it was reached, and lets it go on.</summary>
public sealed class ChatGate
{
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Reached => _reached.Task;

    public void Release() => _released.TrySetResult();

    public async Task WaitAsync(CancellationToken cancellationToken)
    {
        _reached.TrySetResult();
        await _released.Task.WaitAsync(cancellationToken);
    }
}
