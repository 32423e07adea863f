using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>
/// A runaway model: answers its first requests with <see cref="FirstAnswers"/> (and their usage), then opens a file and
/// writes into it forever, <see cref="ChunkLength"/> characters a chunk, one chunk every <see cref="Step"/> on the fake
/// clock. It ignores the cancellation token on purpose: the generator must stop on its own.
/// </summary>
public sealed class EndlessChatClient(FakeTimeProvider clock) : IChatClient
{
    public const int ChunkLength = 100;

    private const string OpenTag = "<file path=\"src/Runaway.cs\">\n";

    private int _requests;
    private int _chunks;

    /// <summary>The answers to the first requests, each in one chunk followed by a usage report of <see cref="FirstUsage"/>.</summary>
    public IReadOnlyList<string> FirstAnswers { get; init; } = [];

    /// <summary>The usage reported after each of <see cref="FirstAnswers"/>.</summary>
    public (long Input, long Output) FirstUsage { get; init; } = (100, 50);

    /// <summary>The time between two chunks of the endless answer on the fake clock.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How many chunks of the endless answer the generator has asked for so far.</summary>
    public int Chunks => Volatile.Read(ref _chunks);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var request = Interlocked.Increment(ref _requests) - 1;
        if (request < FirstAnswers.Count)
        {
            await Task.Yield();
            yield return new ChatResponseUpdate(ChatRole.Assistant, FirstAnswers[request]);
            yield return new ChatResponseUpdate
            {
                Role = ChatRole.Assistant,
                Contents = [new UsageContent(new UsageDetails { InputTokenCount = FirstUsage.Input, OutputTokenCount = FirstUsage.Output })],
            };
            yield break;
        }

        for (var i = 0; ; i++)
        {
            if (i > 0)
            {
                clock.Advance(Step);
            }

            await Task.Yield();
            Interlocked.Increment(ref _chunks);
            yield return new ChatResponseUpdate(ChatRole.Assistant, i == 0 ? OpenTag.PadRight(ChunkLength, 'x') : new string('x', ChunkLength));
        }
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("The generator streams; it never asks for a whole response.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
