using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.Engine;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Recovery;
using Iteration.Streaming.ScaleOut;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Runs.Gates;

/// <summary>
/// Takes a user's input for a generation, on any instance: checks it, stores it in the record before answering
/// (compared by revision, so two inputs racing on two instances apply one after the other and a run continues exactly
/// once), then writes its <c>input_received</c> and, for an approval or a revised plan, continues the run through the
/// scheduler's queue on the ordinary path. A waiting run belongs to nobody: whoever takes its input claims it first.
/// </summary>
internal sealed class GateKeeper(
    IGenerationEventLog eventLog,
    IGenerationRecordStore records,
    IFileSink fileSink,
    IRunCoordinator coordinator,
    RunRegistry registry,
    RunAdmission admission,
    RunGates gates,
    RunEvents events,
    IOptionsMonitor<IterationStreamingOptions> options,
    TimeProvider timeProvider,
    IterationStreamingMessages messages,
    ILogger logger)
{
    private const int MaxAttempts = 20;

    private readonly InputRules rules = new(timeProvider, messages);

    /// <summary>Cancels a run that is not waiting (the engine's ordinary cancel).</summary>
    public required Func<string, CancellationToken, ValueTask<bool>> CancelRunning { get; init; }

    public async ValueTask<GenerationInputAccepted> SendAsync(string generationId, GenerationInputRequest input, CancellationToken cancellationToken)
    {
        var settings = options.CurrentValue;
        InputValidator.Validate(input, settings);
        var edited = false;
        for (var attempt = 1; ; attempt++)
        {
            var record = await records.GetAsync(generationId, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(generationId);

            // The terminal event is the commit point of an end, and the record follows it: a run that has just ended
            // (or a record whose log is gone) takes no input, whatever the record says yet.
            if (!GenerationStatus.IsTerminal(record.Status))
            {
                var latest = await events.LatestAsync(generationId).ConfigureAwait(false)
                    ?? throw new GenerationConflictException($"Generation '{generationId}' has no events yet; send the input again once it has started.");
                if (latest.IsTerminal)
                {
                    throw new GenerationConflictException($"Generation '{generationId}' has ended (status '{latest.Event.Status}'); it takes no more input.");
                }

                // The log says the run waits at a gate its record does not show yet (its host stopped between the two,
                // and recovery has not come by): the log is the truth, so the record catches up and the input is taken.
                if (latest.Event is { Status: GenerationStatus.AwaitingInput, InputRequest: { } request } && record.Status != GenerationStatus.AwaitingInput
                    && record.Steering?.PassedGates.Contains(GateState.KeyOf(request.Kind, request.Phase)) != true && attempt < MaxAttempts)
                {
                    await gates.RecordWaitAsync(generationId, new GateState { Kind = request.Kind, Phase = request.Phase, ExpiresAt = request.ExpiresAt }).ConfigureAwait(false);
                    continue;
                }
            }

            var steering = record.Steering ?? new RunSteering();
            var waiting = record.Status == GenerationStatus.AwaitingInput && steering.Gate is not null && steering.Ending is null;
            InputRules.Check(record, steering, input, waiting, settings);
            if (input.Action == InputActions.Cancel && !waiting)
            {
                await CancelRunning(generationId, cancellationToken).ConfigureAwait(false);
                return Accepted(generationId, input.Action, eventId: null, GenerationStatus.Cancelled);
            }

            // A waiting run belongs to nobody: this instance claims it, so it alone appends to its log now.
            if (waiting && !await coordinator.TryClaimAsync(generationId, cancellationToken).ConfigureAwait(false))
            {
                await RetryLaterAsync(generationId, attempt, backOff: true, cancellationToken).ConfigureAwait(false);
                continue;
            }

            GenerationRecord? stored;
            AcceptedInput accepted;
            try
            {
                if (input.Action == InputActions.EditFiles && !edited)
                {
                    await SaveEditsAsync(generationId, steering.Gate!, input.Files!, cancellationToken).ConfigureAwait(false);
                    edited = true;
                }

                (accepted, var update) = rules.Apply(record, steering, input, waiting);
                stored = await records.TryUpdateSteeringAsync(generationId, steering.Revision, update, CancellationToken.None).ConfigureAwait(false);
            }
            catch when (waiting)
            {
                Release(generationId);
                throw;
            }

            if (stored is null)
            {
                if (waiting)
                {
                    Release(generationId);
                }

                // Another input changed the record first: read it again at once (the next try sees what it did).
                await RetryLaterAsync(generationId, attempt, backOff: false, cancellationToken).ConfigureAwait(false);
                continue;
            }

            Log.InputAccepted(logger, generationId, accepted.Action, accepted.Number);
            return await AfterStoredAsync(stored, accepted, waiting).ConfigureAwait(false);
        }
    }

    /// <summary>Ends a generation that waits at a gate nobody answered in time (the deadline sweep calls it).</summary>
    /// <returns>Whether this call ended it.</returns>
    public async ValueTask<bool> ExpireAsync(GenerationRecord record, CancellationToken cancellationToken)
    {
        if (record.Steering is not { Gate: { } gate } steering || record.Status != GenerationStatus.AwaitingInput || gate.ExpiresAt > timeProvider.GetUtcNow()
            || !await coordinator.TryClaimAsync(record.GenerationId, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var update = new GenerationRecordUpdate
        {
            Status = GenerationStatus.Processing,
            Steering = steering with { Revision = steering.Revision + 1, Gate = null, Ending = RunEndings.TimedOut },
        };
        if (await records.TryUpdateSteeringAsync(record.GenerationId, steering.Revision, update, CancellationToken.None).ConfigureAwait(false) is not { } stored)
        {
            Release(record.GenerationId);
            return false;
        }

        Log.InputTimedOut(logger, record.GenerationId, gate.Key);
        await EndAtGateAsync(stored).ConfigureAwait(false);
        return true;
    }

    /// <summary>Appends the end decided at a gate (<see cref="RunSteering.Ending"/>) for a generation this instance claimed.</summary>
    public Task EndAtGateAsync(GenerationRecord record)
    {
        var message = record.Steering?.Ending == RunEndings.TimedOut
            ? messages.InputTimedOut(options.CurrentValue.InputTimeout)
            : messages.CancelledAtReview();
        return admission.EndHeldAsync(new GenerationRun(record, RunStart.Continue, default), RunOutcome.Cancelled(message));
    }

    private async ValueTask<GenerationInputAccepted> AfterStoredAsync(GenerationRecord stored, AcceptedInput accepted, bool waiting)
    {
        var steering = stored.Steering!;
        var id = stored.GenerationId;
        if (accepted.Action == InputActions.Cancel)
        {
            await EndAtGateAsync(stored).ConfigureAwait(false);
            return Accepted(id, accepted.Action, (await LatestSequenceAsync(id).ConfigureAwait(false)), GenerationStatus.Cancelled);
        }

        if (waiting && steering.Gate is null)
        {
            // Approved (or the plan revised): the run continues here, through the queue, on the ordinary path.
            long? eventId = null;
            var run = new GenerationRun(stored, RunStart.Continue, default);
            var continued = await admission.ContinueAsync(run, async held =>
            {
                held.InputsEmitted = (await RunLogScan.ReadAsync(eventLog, id, CancellationToken.None).ConfigureAwait(false)).InputsReceived;
                await events.SeedProgressAsync(held).ConfigureAwait(false);
                eventId = await gates.EmitMissingInputsAsync(held).ConfigureAwait(false);
            }).ConfigureAwait(false);
            return Accepted(id, accepted.Action, eventId, continued is null ? GenerationStatus.Processing : GenerationStatus.Queued);
        }

        if (waiting)
        {
            // Still waiting: this instance holds the claim while it writes the event, then lets go.
            try
            {
                using var run = new GenerationRun(stored, RunStart.Continue, default);
                run.InputsEmitted = (await RunLogScan.ReadAsync(eventLog, id, CancellationToken.None).ConfigureAwait(false)).InputsReceived;
                await events.SeedProgressAsync(run).ConfigureAwait(false);
                var eventId = await gates.EmitMissingInputsAsync(run).ConfigureAwait(false);
                return Accepted(id, accepted.Action, eventId, GenerationStatus.AwaitingInput);
            }
            finally
            {
                Release(id);
            }
        }

        // Running: the instance that runs it writes the event (at once when that is this one).
        if (registry.TryGet(id, out var local))
        {
            var eventId = await gates.EmitMissingInputsAsync(local).ConfigureAwait(false);
            return Accepted(id, accepted.Action, eventId, stored.Status);
        }

        await coordinator.NotifyInputAsync(id, CancellationToken.None).ConfigureAwait(false);
        return Accepted(id, accepted.Action, eventId: null, stored.Status);
    }

    /// <summary>Lets go of a claim this instance took and holds no run for (a claim is released by disposing its hold).</summary>
    private void Release(string generationId) => coordinator.Hold(generationId, static _ => { }).Dispose();

    private async Task SaveEditsAsync(string generationId, GateState gate, IReadOnlyList<InputFile> files, CancellationToken cancellationToken)
    {
        GeneratedFile[] batch = [.. files.Select(static f => f.Delete == true
            ? GeneratedFile.Delete(f.Path!) with { WrittenBy = FileAuthors.User }
            : GeneratedFile.FromText(f.Path!, f.Content!) with { WrittenBy = FileAuthors.User })];
        await fileSink.SavePhaseAsync(generationId, gate.Phase ?? 0, batch, cancellationToken).ConfigureAwait(false);
    }

    private static async Task RetryLaterAsync(string generationId, int attempt, bool backOff, CancellationToken cancellationToken)
    {
        // Another input (or the run itself, closing its stint) holds the generation for a moment.
        if (attempt >= MaxAttempts)
        {
            throw new GenerationConflictException($"Generation '{generationId}' is taking another input right now; send this one again.");
        }

        // Another instance holds its claim for a moment (writing its input's event, or the run letting go at its gate):
        // a short wait on the real clock, as for a lock, not the host's clock (a paused test clock must not stall it).
        if (backOff)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5 * attempt), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Task.Yield();
        }
    }

    private async Task<long?> LatestSequenceAsync(string generationId)
    {
        var latest = await events.LatestAsync(generationId).ConfigureAwait(false);
        return latest?.Sequence;
    }

    private static GenerationInputAccepted Accepted(string id, string action, long? eventId, string status) =>
        new() { GenerationId = id, Action = action, EventId = eventId, Status = status };
}

/// <summary>The values of <see cref="RunSteering.Ending"/>.</summary>
internal static class RunEndings
{
    public const string Cancelled = "cancelled";

    public const string TimedOut = "timed_out";
}
