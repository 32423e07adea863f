using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>
/// A runaway model: opens a file and writes into it forever, <see cref="ChunkLength"/> characters a chunk, one chunk every
/// <see cref="Step"/> on the fake clock. It ignores the cancellation token on purpose: the generator must stop on its own.
/// </summary>
public sealed class EndlessChatClient(FakeTimeProvider clock) : IChatClient
{
    public const int ChunkLength = 100;

    private const string OpenTag = "<file path=\"src/Runaway.cs\">\n";

    private int _chunks;

    /// <summary>The time between two chunks on the fake clock.</summary>
    public TimeSpan Step { get; init; } = TimeSpan.FromMilliseconds(50);

    /// <summary>How many chunks the generator has asked for so far.</summary>
    public int Chunks => Volatile.Read(ref _chunks);

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
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
