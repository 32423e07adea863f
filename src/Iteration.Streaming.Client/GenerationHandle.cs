using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Client;

/// <summary>
/// A started generation as the client knows it: its id and the stream token that authorises every call about it.
/// </summary>
/// <param name="GenerationId">The generation's id.</param>
/// <param name="Token">The stream token (<c>sse_token</c>). Treat it as a secret: do not log it.</param>
public sealed record GenerationHandle(string GenerationId, string Token)
{
    /// <summary>The stream URL the server returned, relative to the base address; derived from the id when not known.</summary>
    public string? StreamUrl { get; init; }

    /// <summary>The status URL the server returned, relative to the base address; derived from the id when not known.</summary>
    public string? StatusUrl { get; init; }

    /// <summary>Creates a handle from the server's 202 answer.</summary>
    /// <param name="response">The body of a start or iterate response.</param>
    /// <returns>The handle.</returns>
    public static GenerationHandle FromResponse(GenerationStartedResponse response)
    {
        ArgumentNullException.ThrowIfNull(response);
        return new GenerationHandle(response.GenerationId, response.SseToken)
        {
            StreamUrl = response.StreamUrl,
            StatusUrl = response.StatusUrl,
        };
    }

    /// <inheritdoc />
    public override string ToString() => $"GenerationHandle {{ GenerationId = {GenerationId} }}";
}
