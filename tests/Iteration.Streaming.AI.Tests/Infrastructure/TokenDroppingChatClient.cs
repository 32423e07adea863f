using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>A client that gives no continuation tokens, as one without background responses (chat completions, most local servers).</summary>
public sealed class TokenDroppingChatClient(IChatClient inner) : DelegatingChatClient(inner)
{
    public override async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var update in base.GetStreamingResponseAsync(messages, options, cancellationToken).WithCancellation(cancellationToken))
        {
#pragma warning disable MEAI001 // ContinuationToken is experimental.
            update.ContinuationToken = null;
#pragma warning restore MEAI001
            yield return update;
        }
    }
}
