using System.Net.Http.Json;
using Iteration.Streaming.Client.Diffs;
using Iteration.Streaming.Client.Review;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client;

// Saved states: how two of them differ, a new generation from a saved phase (fork), files restored without the model (revert).
public sealed partial class IterationClient
{
    private const string PatchMediaType = "text/x-diff";

    /// <summary>
    /// How a generation's files differ from an older state (<c>GET /generations/{id}/diff?against=…</c>): per path
    /// <c>added</c>, <c>modified</c>, <c>deleted</c> or <c>unchanged</c> (<see cref="FileChangeKinds"/>), line counts, and a
    /// unified diff of each changed text file within the server's limits (binary and over-size files are named, not
    /// diffed: <see cref="GenerationFileDiff.Skipped"/>). Read with the handle's read token.
    /// </summary>
    /// <param name="handle">The generation whose files are the newer side, with its read token (or from <see cref="GenerationHandle.ForOwner"/>).</param>
    /// <param name="against">
    /// The older side: another generation's id (its files now, such as the parent of an iteration), or <c>phase:{k}</c>
    /// (the files of <paramref name="handle"/>'s generation once its phase k was saved; <c>phase:0</c> is what it started with).
    /// </param>
    /// <param name="againstToken">
    /// When <paramref name="against"/> is another generation: its read token (<c>sse_token</c>; it travels in the query,
    /// so not the control token); <see langword="null"/> when the server authorises it by ownership. Not for <c>phase:{k}</c>.
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The diff.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="handle"/> is null, <paramref name="against"/> is neither a generation id nor <c>phase:{k}</c>, or
    /// <paramref name="againstToken"/> is empty, not printable ASCII, or given with <c>phase:{k}</c>.
    /// </exception>
    /// <exception cref="IterationApiException">
    /// 400 a phase that was not saved (the detail names the saved ones); 401 no token or an expired one; 403 a token the
    /// server refuses, the detail naming which generation (<c>against generation '…'</c>); 404 unknown generation or no files.
    /// </exception>
    public Task<GenerationDiff> DiffAsync(GenerationHandle handle, string against, string? againstToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var url = DiffUrl(handle, against, againstToken);
        return _calls.GetJsonAsync(url, handle.Token, IterationStreamingJson.GenerationDiff, cancellationToken);
    }

    /// <summary>
    /// How a generation's files differ from an older state, read with a token of its own; see
    /// <see cref="DiffAsync(GenerationHandle, string, string?, CancellationToken)"/>.
    /// </summary>
    /// <param name="generationId">The generation whose files are the newer side.</param>
    /// <param name="token">Its read token (or control token).</param>
    /// <param name="against">The older side: another generation's id, or <c>phase:{k}</c>.</param>
    /// <param name="againstToken">When <paramref name="against"/> is another generation: its read token; <see langword="null"/> by ownership.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The diff.</returns>
    /// <exception cref="ArgumentException">The id or a token is not valid, or <paramref name="against"/> is neither a generation id nor <c>phase:{k}</c>.</exception>
    /// <exception cref="IterationApiException">As <see cref="DiffAsync(GenerationHandle, string, string?, CancellationToken)"/>.</exception>
    public Task<GenerationDiff> DiffAsync(string generationId, string token, string against, string? againstToken = null, CancellationToken cancellationToken = default) =>
        DiffAsync(new GenerationHandle(generationId, token), against, againstToken, cancellationToken);

    /// <summary>
    /// The same diff as one patch (<c>Accept: text/x-diff</c>) that <c>git apply</c> takes on the older side's files to
    /// give the newer side's; files the server did not diff (binary, over its limits) are named in a preamble.
    /// </summary>
    /// <param name="handle">The generation whose files are the newer side, with its read token.</param>
    /// <param name="against">The older side: another generation's id, or <c>phase:{k}</c>.</param>
    /// <param name="againstToken">When <paramref name="against"/> is another generation: its read token; <see langword="null"/> by ownership.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The patch text (empty when nothing changed).</returns>
    /// <exception cref="ArgumentException">As <see cref="DiffAsync(GenerationHandle, string, string?, CancellationToken)"/>.</exception>
    /// <exception cref="IterationApiException">
    /// As <see cref="DiffAsync(GenerationHandle, string, string?, CancellationToken)"/>; also when the answer is not text
    /// (a server older than patches).
    /// </exception>
    public Task<string> DiffPatchAsync(GenerationHandle handle, string against, string? againstToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        var url = DiffUrl(handle, against, againstToken);
        return _calls.GetTextAsync(url, handle.Token, PatchMediaType, cancellationToken);
    }

    /// <summary>The diff as one patch, read with a token of its own; see <see cref="DiffPatchAsync(GenerationHandle, string, string?, CancellationToken)"/>.</summary>
    /// <param name="generationId">The generation whose files are the newer side.</param>
    /// <param name="token">Its read token (or control token).</param>
    /// <param name="against">The older side: another generation's id, or <c>phase:{k}</c>.</param>
    /// <param name="againstToken">When <paramref name="against"/> is another generation: its read token; <see langword="null"/> by ownership.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The patch text.</returns>
    /// <exception cref="ArgumentException">The id or a token is not valid, or <paramref name="against"/> is neither a generation id nor <c>phase:{k}</c>.</exception>
    /// <exception cref="IterationApiException">As <see cref="DiffPatchAsync(GenerationHandle, string, string?, CancellationToken)"/>.</exception>
    public Task<string> DiffPatchAsync(string generationId, string token, string against, string? againstToken = null, CancellationToken cancellationToken = default) =>
        DiffPatchAsync(new GenerationHandle(generationId, token), against, againstToken, cancellationToken);

    /// <summary>
    /// Forks a generation from a saved phase (<c>POST /generations/{id}/fork</c>): a new generation with the same request
    /// and plan that keeps phases 1 to <paramref name="fromPhase"/> (sharing their files, copying nothing) and generates
    /// only the later ones, with <paramref name="modificationPrompt"/> in their context. Works from a completed, failed
    /// or cancelled generation, or one waiting at a review gate. Authorised by the control token (or, for a handle
    /// without one, by ownership).
    /// </summary>
    /// <param name="handle">The generation to fork, with its control token.</param>
    /// <param name="fromPhase">The last phase to keep: from 1 to the last phase the generation saved.</param>
    /// <param name="modificationPrompt">What to do differently in the later phases; <see langword="null"/> for none.</param>
    /// <param name="review">The fork's review gates; <see langword="null"/> for the host's default.</param>
    /// <param name="budget">The most tokens the fork may spend; <see langword="null"/> for the host's default. The host caps it.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation (<see cref="GenerationHandle.ForkedFrom"/>, <see cref="GenerationHandle.FromPhase"/>).</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="handle"/> is null, <paramref name="fromPhase"/> is below 1, the prompt is empty or white space (pass
    /// null for none), a review phase number is below 1, or a budget value is below 1.
    /// </exception>
    /// <exception cref="IterationApiException">
    /// 400 a phase past the last saved one (or the generation saved none); 401 no control token or an expired one; 403 a
    /// read token or another generation's; 404 unknown generation; 409 the generation is still queued or running; 429
    /// with <see cref="IterationApiException.BudgetRefusal"/> when the host's budget policy refuses it.
    /// </exception>
    public Task<GenerationHandle> ForkAsync(
        GenerationHandle handle,
        int fromPhase,
        string? modificationPrompt = null,
        ReviewRequest? review = null,
        GenerationBudget? budget = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        ArgumentOutOfRangeException.ThrowIfLessThan(fromPhase, 1);
        if (modificationPrompt is not null && string.IsNullOrWhiteSpace(modificationPrompt))
        {
            throw new ArgumentException("The modification prompt is empty: pass null to fork without one.", nameof(modificationPrompt));
        }

        InputChecks.Check(review);
        CheckBudget(budget);
        var body = new ForkGenerationRequest { FromPhase = fromPhase, ModificationPrompt = modificationPrompt, Review = review, Budget = budget };
        return _calls.PostStartAsync(GenerationUrl(handle, "/fork"), JsonContent.Create(body, IterationStreamingJson.ForkGenerationRequest), handle.ControlToken, cancellationToken);
    }

    /// <summary>
    /// Restores files of a finished generation as they were in another state, without the model
    /// (<c>POST /generations/{id}/revert</c>): a new iteration of it whose files are its own except
    /// <paramref name="paths"/>, taken from <paramref name="to"/> (deleted where they did not exist there). It runs
    /// through the ordinary events quickly and ends <c>completed</c>. Authorised by the control token (or, for a handle
    /// without one, by ownership).
    /// </summary>
    /// <param name="handle">The generation whose files to restore, with its control token.</param>
    /// <param name="paths">The paths to restore, as the file lists name them; each once.</param>
    /// <param name="to">
    /// The state to restore them from: another generation's id (its files now), or <c>phase:{k}</c> (this generation's
    /// files once its phase k was saved; <c>phase:0</c> is what it started with).
    /// </param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The handle of the new generation.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="handle"/> is null; <paramref name="paths"/> is null or empty, or an entry is empty, absolute, has an
    /// empty, '.' or '..' name, or repeats another (the message names it: <c>paths[2] repeats paths[0]</c>);
    /// <paramref name="to"/> is neither a generation id nor <c>phase:{k}</c>.
    /// </exception>
    /// <exception cref="IterationApiException">
    /// 400 a path the server refuses or that is in neither state, too many paths, a phase that was not saved; 401 no
    /// control token or an expired one; 403 a read token or another generation's; 404 unknown generation (or
    /// <paramref name="to"/>); 409 the generation has not ended, or a path is locked.
    /// </exception>
    public Task<GenerationHandle> RevertAsync(GenerationHandle handle, IReadOnlyList<string> paths, string to, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        StateChecks.CheckPaths(paths, nameof(paths));
        StateChecks.CheckReference(to, nameof(to));
        var body = new RevertGenerationRequest { Paths = [.. paths], To = to };
        return _calls.PostStartAsync(GenerationUrl(handle, "/revert"), JsonContent.Create(body, IterationStreamingJson.RevertGenerationRequest), handle.ControlToken, cancellationToken);
    }

    private Uri DiffUrl(GenerationHandle handle, string against, string? againstToken)
    {
        var phase = StateChecks.CheckReference(against, nameof(against));
        var query = "/diff?against=" + Uri.EscapeDataString(against);
        if (againstToken is not null)
        {
            StateChecks.CheckToken(againstToken, nameof(againstToken));
            if (phase)
            {
                throw new ArgumentException($"againstToken is for another generation; {against} is a phase of this one, read with its own token.", nameof(againstToken));
            }

            query += "&against_token=" + Uri.EscapeDataString(againstToken);
        }

        return GenerationUrl(handle, query);
    }
}
