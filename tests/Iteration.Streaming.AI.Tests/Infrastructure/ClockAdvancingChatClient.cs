using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>
/// Passes a real client's updates on, advancing the fake clock by <paramref name="step"/> before each, so every update
/// passes the live-progress throttle: each is reported (and checkpointed), and a test's cut is exactly at an update.
/// </summary>
public sealed class ClockAdvancingChatClient(IChatClient inner, FakeTimeProvider clock, TimeSpan step) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).WithCancellation(cancellationToken))
        {
            clock.Advance(step);
            yield return update;
        }
    }
}
