using Iteration.Streaming.Contracts;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Records;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs;

/// <summary>
/// What readers see of a generation: its record caught up with its log (the terminal event is the commit point of an
/// end, and the record follows it), an end that only this instance's memory holds (<see cref="UnstoredEndings"/>),
/// and the snapshot built from both and the file sink.
/// </summary>
internal sealed class GenerationReads(
    IGenerationEventLog eventLog,
    IGenerationRecordStore records,
    IFileSink fileSink,
    UnstoredEndings unstoredEndings,
    ILogger logger)
{
    public async ValueTask<GenerationRecord> GetCaughtUpAsync(string generationId, CancellationToken cancellationToken) =>
        await CatchUpAsync(await records.GetAsync(generationId, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(generationId), cancellationToken)
            .ConfigureAwait(false);

    /// <summary>The record, caught up with the log when a crash (or a reader racing the run) came between an end and its record.</summary>
    public async ValueTask<GenerationRecord> CatchUpAsync(GenerationRecord record, CancellationToken cancellationToken)
    {
        if (GenerationStatus.IsTerminal(record.Status) || await LatestAsync(record.GenerationId, cancellationToken).ConfigureAwait(false) is not { IsTerminal: true } latest)
        {
            return record;
        }

        try
        {
            return await records.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = latest.Event.Status }, CancellationToken.None).ConfigureAwait(false)
                ?? record;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // A read must not fail because the repair cannot be written (a full disk): the log says how it ended.
            Log.RecordEndFailed(logger, record.GenerationId, ex);
            return record with { Status = latest.Event.Status };
        }
    }

    /// <summary>
    /// The end of <paramref name="generationId"/> that this instance reported from memory, unless the log has moved past
    /// it since (the run was cancelled once storage came back, or resumed on another instance): then it is forgotten.
    /// </summary>
    public async ValueTask<EventLogEntry?> CurrentUnstoredEndAsync(string generationId, CancellationToken cancellationToken)
    {
        if (!unstoredEndings.TryGet(generationId, out var ending))
        {
            return null;
        }

        if (await LatestAsync(generationId, cancellationToken).ConfigureAwait(false) is { } latest && latest.Sequence >= ending.Sequence)
        {
            unstoredEndings.Remove(generationId);
            return null;
        }

        return ending;
    }

    /// <summary>
    /// Subscribes to a generation's log. A run of this instance whose end storage refused ends its watchers'
    /// subscriptions with that end from memory (<see cref="UnstoredEndings"/>, signalled by <paramref name="endedUnstored"/>
    /// while the run is held here); a watcher that has it already gets a subscription that is complete.
    /// </summary>
    public async ValueTask<EventLogSubscription> WatchAsync(string generationId, long afterSequence, CancellationToken? endedUnstored, CancellationToken cancellationToken)
    {
        if (await CurrentUnstoredEndAsync(generationId, cancellationToken).ConfigureAwait(false) is { } ending)
        {
            if (afterSequence >= ending.Sequence)
            {
                return new EndedSubscription(generationId, afterSequence);
            }

            var before = await eventLog.SubscribeAsync(generationId, afterSequence, cancellationToken).ConfigureAwait(false);
            return new UnstoredEndSubscription(before, unstoredEndings, CancellationToken.None);
        }

        var subscription = await eventLog.SubscribeAsync(generationId, afterSequence, cancellationToken).ConfigureAwait(false);
        if (subscription.IsAlreadyComplete)
        {
            return subscription;
        }

        // The pipeline puts an end in the table before it fires the run's signal, and both before the run leaves the registry.
        if (endedUnstored is { } signal)
        {
            return new UnstoredEndSubscription(subscription, unstoredEndings, signal);
        }

        return unstoredEndings.TryGet(generationId, out _)
            ? new UnstoredEndSubscription(subscription, unstoredEndings, CancellationToken.None)
            : subscription;
    }

    public async ValueTask<GenerationSnapshot> GetSnapshotAsync(string generationId, CancellationToken cancellationToken)
    {
        var record = await records.GetAsync(generationId, cancellationToken).ConfigureAwait(false) ?? throw new GenerationNotFoundException(generationId);

        // An end that storage refused is reported from memory first: the record and the log still say the run goes on.
        var ending = await CurrentUnstoredEndAsync(generationId, cancellationToken).ConfigureAwait(false);
        var latest = ending ?? await LatestAsync(generationId, cancellationToken).ConfigureAwait(false);
        if (ending is not null)
        {
            record = record with { Status = ending.Event.Status };
        }
        else if (latest is { IsTerminal: true } && !GenerationStatus.IsTerminal(record.Status))
        {
            record = await CatchUpAsync(record, cancellationToken).ConfigureAwait(false);
        }
        else if (IsGateNotYetRecorded(record, latest))
        {
            // The gate's event is in the log and its record follows it: a reader between the two sees what the log says,
            // so the snapshot's status agrees with its last event (a reloaded page shows the gate, not "processing").
            record = record with { Status = GenerationStatus.AwaitingInput };
        }

        var manifest = await fileSink.GetManifestAsync(generationId, cancellationToken).ConfigureAwait(false);
        return new GenerationSnapshot
        {
            GenerationId = generationId,
            Status = record.Status,
            LastEventId = latest?.Sequence ?? 0,
            LastEvent = latest?.Event,
            FileCount = manifest?.Files.Count ?? record.FileCount,
            TotalBytes = manifest?.TotalBytes ?? record.TotalBytes,
            ParentGenerationId = record.ParentGenerationId,
            RetryOf = record.RetryOf,
            ForkedFrom = record.ForkedFrom,
            FromPhase = record.FromPhase,
            Phases = record.Plan?.Select(static p => new PhaseSummary { Phase = p.Number, Name = p.Name }).ToArray(),
            PhasesSaved = record.PhasesSaved,
            CreatedAt = record.CreatedAt,
            EndedAt = record.EndedAt,
            Usage = record.Usage,
            Cost = record.Cost,
            Budget = record.Budget,
        };
    }

    /// <summary>
    /// A page of one user's generations: the records from the store's index, each live one with the stage and progress
    /// of its latest event (an ended one has them on its record).
    /// </summary>
    public async ValueTask<Engine.GenerationListPage> ListAsync(GenerationRecordQuery query, CancellationToken cancellationToken)
    {
        var page = await records.ListByUserAsync(query, cancellationToken).ConfigureAwait(false);
        var items = new GenerationListItem[page.Records.Count];
        for (var i = 0; i < items.Length; i++)
        {
            var record = page.Records[i];
            var status = record.Status;
            var stage = record.Stage;
            var progress = record.Progress;
            if (!GenerationStatus.IsTerminal(status) && await LatestAsync(record.GenerationId, cancellationToken).ConfigureAwait(false) is { } latest)
            {
                status = latest.IsTerminal || IsGateNotYetRecorded(record, latest) ? latest.Event.Status : status;
                stage = latest.Event.Stage;
                progress = latest.Event.Progress;
            }
            else if (status == GenerationStatus.Completed)
            {
                stage ??= GenerationStages.Completed;
                progress = 1.0;
            }

            items[i] = new GenerationListItem
            {
                GenerationId = record.GenerationId,
                Prompt = Preview(record.Prompt),
                Status = status,
                Stage = stage ?? (GenerationStatus.IsTerminal(status) ? status : null),
                Progress = progress,
                CreatedAt = record.CreatedAt,
                EndedAt = record.EndedAt,
                ParentGenerationId = record.ParentGenerationId,
                RetryOf = record.RetryOf,
                ForkedFrom = record.ForkedFrom,
                FromPhase = record.FromPhase,
                FileCount = record.FileCount,
                Usage = record.Usage,
                Cost = record.Cost,
                Budget = record.Budget,
            };
        }

        return new Engine.GenerationListPage(items, page.Next);
    }

    private static string Preview(string prompt) =>
        prompt.Length <= GenerationList.PromptPreviewLength ? prompt : string.Concat(prompt.AsSpan(0, GenerationList.PromptPreviewLength - 1), "…");

    /// <summary>
    /// Whether the generation waits at a review gate: on record, or by its log when the gate's event is appended and its
    /// record not yet updated (a reader between the two).
    /// </summary>
    public async ValueTask<bool> IsAtGateAsync(GenerationRecord record, CancellationToken cancellationToken) =>
        record.Status == GenerationStatus.AwaitingInput
        || IsGateNotYetRecorded(record, await LatestAsync(record.GenerationId, cancellationToken).ConfigureAwait(false));

    private static bool IsGateNotYetRecorded(GenerationRecord record, EventLogEntry? latest) =>
        latest?.Event is { Status: GenerationStatus.AwaitingInput, InputRequest: { } request }
        && record.Status != GenerationStatus.AwaitingInput
        && !GenerationStatus.IsTerminal(record.Status)
        && record.Steering?.Ending is null
        && record.Steering?.PassedGates.Contains(GateState.KeyOf(request.Kind, request.Phase)) != true;

    public async ValueTask<EventLogEntry?> LatestAsync(string generationId, CancellationToken cancellationToken)
    {
        try
        {
            return await eventLog.GetLatestAsync(generationId, cancellationToken).ConfigureAwait(false);
        }
        catch (GenerationNotFoundException)
        {
            return null;
        }
    }
}
