using Iteration.Streaming.Client.Live;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client;

// The phase in progress: the files it finished and the exact text so far of the file being written.
public sealed partial class IterationClient
{
    /// <summary>
    /// Reads the phase in progress (<c>GET /generations/{id}/live</c>): the files it finished (not saved yet) and the
    /// exact text so far of the file being written, and <see cref="GenerationLive.Sequence"/>, the last event they include.
    /// To follow the texts from there, <see cref="GenerationLiveText.Load"/> the answer and apply the events of
    /// <see cref="WatchAsync(GenerationHandle, long, CancellationToken)"/> from <see cref="GenerationLive.Sequence"/>:
    /// the result is what a watcher connected from the start has. Read with the handle's read token.
    /// </summary>
    /// <param name="handle">The generation and its read token (or from <see cref="GenerationHandle.ForOwner"/>).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The live state; no <see cref="GenerationLive.Phase"/> and no files when no phase is in progress (queued, between phases, at a review gate, ended).</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> is null.</exception>
    /// <exception cref="IterationApiException">
    /// 401 no token or an expired one; 403 another generation's token; 404 unknown generation (a server older than
    /// <c>/live</c> answers 404 too); an answer that is not a consistent <see cref="GenerationLive"/> of this generation.
    /// </exception>
    public async Task<GenerationLive> GetLiveAsync(GenerationHandle handle, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var live = await _calls.GetJsonAsync(GenerationUrl(handle, "/live"), handle.Token, IterationStreamingJson.GenerationLive, cancellationToken).ConfigureAwait(false);
        if (LiveChecks.Problem(live, handle.GenerationId) is { } problem)
        {
            throw new IterationApiException($"The server's live answer is not consistent: {problem}.");
        }

        return live;
    }

    /// <summary>Reads the phase in progress with a token of its own; see <see cref="GetLiveAsync(GenerationHandle, CancellationToken)"/>.</summary>
    /// <param name="generationId">The generation.</param>
    /// <param name="token">Its read token (or control token).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The live state.</returns>
    /// <exception cref="ArgumentException">The id or the token is not valid.</exception>
    /// <exception cref="IterationApiException">As <see cref="GetLiveAsync(GenerationHandle, CancellationToken)"/>.</exception>
    public Task<GenerationLive> GetLiveAsync(string generationId, string token, CancellationToken cancellationToken = default) =>
        GetLiveAsync(new GenerationHandle(generationId, token), cancellationToken);
}
