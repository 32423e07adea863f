using System.Net.Http.Json;
using Iteration.Streaming.Client.Review;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client;

// Review gates: answering a run that waits for its user, and steering a running one.
public sealed partial class IterationClient
{
    /// <summary>
    /// Answers a run waiting at a review gate, or steers a running one (<c>POST /generations/{id}/input</c>), authorised by
    /// the handle's control token as <see cref="CancelAsync"/> is (sent only in the <c>Authorization</c> header; a handle
    /// without one relies on the server's ownership check).
    /// </summary>
    /// <param name="handle">The generation and its control token.</param>
    /// <param name="input">
    /// The input: <c>approve</c> (optionally with an instruction) or <c>revise_plan</c> continue a waiting run;
    /// <c>edit_files</c>, <c>lock</c> and <c>instruct</c> at a gate are recorded and the run keeps waiting;
    /// <c>instruct</c>, <c>lock</c> and <c>cancel</c> also apply while a phase runs. See <see cref="InputActions"/>.
    /// </param>
    /// <param name="cancellationToken">Cancels the request (an input the server already stored still applies).</param>
    /// <returns>The server's receipt: the action, the id of the event it caused, and the generation's status after it.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="handle"/> or <paramref name="input"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// The input cannot be what its action needs (the message names the field): no or an unknown action, a field the
    /// action does not read, a missing instruction, phase name, file content or path, a null item, or a path that is
    /// not relative. Lengths, counts and byte caps are the server's to check.
    /// </exception>
    /// <exception cref="IterationApiException">
    /// 400 the server refused a field (its detail names it); 401 no control token or an expired one; 403 a read token or
    /// another generation's; 404 unknown generation; 409 the action needs a gate and the run is not at one, or the
    /// generation has ended (the detail names its status); 429 the generation has all the instructions it may take.
    /// </exception>
    public Task<GenerationInputAccepted> SendInputAsync(GenerationHandle handle, GenerationInputRequest input, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(handle);
        InputChecks.Check(input);
        return SendInputCoreAsync(handle, input, cancellationToken);
    }

    /// <summary>
    /// Approves what a run waits for at a review gate (the plan, or the phase just saved) so it continues: an
    /// <c>approve</c> input through <see cref="SendInputAsync"/>.
    /// </summary>
    /// <param name="handle">The generation and its control token.</param>
    /// <param name="instruction">What the model should do from the next phase on; <see langword="null"/> for none.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The server's receipt.</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> is null, or <paramref name="instruction"/> is empty or white space.</exception>
    /// <exception cref="IterationApiException">As <see cref="SendInputAsync"/>; 409 when the run is not at a gate.</exception>
    public Task<GenerationInputAccepted> ApproveAsync(GenerationHandle handle, string? instruction = null, CancellationToken cancellationToken = default)
    {
        if (instruction is not null && string.IsNullOrWhiteSpace(instruction))
        {
            throw new ArgumentException("The instruction is empty: pass null to approve without one.", nameof(instruction));
        }

        return SendInputAsync(handle, new GenerationInputRequest { Action = InputActions.Approve, Instruction = instruction }, cancellationToken);
    }

    /// <summary>
    /// Queues an instruction for the next phases, at a gate (the run keeps waiting) or while a phase runs: an
    /// <c>instruct</c> input through <see cref="SendInputAsync"/>.
    /// </summary>
    /// <param name="handle">The generation and its control token.</param>
    /// <param name="instruction">What the model should do from the next phase on, such as "Use PostgreSQL".</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The server's receipt.</returns>
    /// <exception cref="ArgumentException"><paramref name="handle"/> is null, or <paramref name="instruction"/> is null, empty or white space.</exception>
    /// <exception cref="IterationApiException">As <see cref="SendInputAsync"/>; 429 when the generation has all the instructions it may take.</exception>
    public Task<GenerationInputAccepted> InstructAsync(GenerationHandle handle, string instruction, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(instruction);
        return SendInputAsync(handle, new GenerationInputRequest { Action = InputActions.Instruct, Instruction = instruction }, cancellationToken);
    }

    private async Task<GenerationInputAccepted> SendInputCoreAsync(GenerationHandle handle, GenerationInputRequest input, CancellationToken cancellationToken)
    {
        var accepted = await _calls.PostAsync(
            GenerationUrl(handle, "/input"),
            JsonContent.Create(input, IterationStreamingJson.GenerationInputRequest),
            handle.ControlToken,
            IterationStreamingJson.GenerationInputAccepted,
            "an input receipt",
            cancellationToken).ConfigureAwait(false);

        // A receipt for another generation is not a receipt for this input.
        return string.Equals(accepted.GenerationId, handle.GenerationId, StringComparison.Ordinal)
            ? accepted
            : throw new IterationApiException($"The server accepted the input for generation '{handle.GenerationId}' but its receipt names another generation.");
    }
}
