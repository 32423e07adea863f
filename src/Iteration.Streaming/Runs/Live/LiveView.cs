using System.Text;
using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Runs.Live;

/// <summary>Builds the answer of <c>GET {prefix}/{id}/live</c>: from a run this instance holds, or from its checkpoint.</summary>
internal static class LiveView
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>The live phase of a run held here, read under its append lock; <see langword="null"/> between phases.</summary>
    public static async ValueTask<GenerationLive?> FromRunAsync(GenerationRun run, CancellationToken cancellationToken)
    {
        await run.AppendLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (run.Live is not { } live)
            {
                return null;
            }

            return Build(run.GenerationId, GenerationStatus.Processing, live.Phase, run.LastSequence, live.State.Batch, live.CurrentFile, live.CurrentFile is null ? null : live.Text.ToString());
        }
        finally
        {
            run.AppendLock.Release();
        }
    }

    /// <summary>The live phase of a run held elsewhere (or interrupted), from its checkpoint.</summary>
    public static async ValueTask<GenerationLive> FromCheckpointAsync(GenerationRecord record, IPhaseCheckpointStore store, IterationStreamingOptions settings, CancellationToken cancellationToken)
    {
        var empty = new GenerationLive { GenerationId = record.GenerationId, Status = record.Status };
        if (record.Status != GenerationStatus.Processing || record.Plan is not { } plan || record.PhasesSaved >= plan.Count || !settings.Checkpoints.Enabled)
        {
            return empty;
        }

        var checkpoint = await store.ReadAsync(record.GenerationId, cancellationToken).ConfigureAwait(false);
        if (checkpoint is null || checkpoint.Overflowed || checkpoint.Phase != plan[record.PhasesSaved].Number || PhaseCheckpointer.Check(checkpoint, settings) is not null)
        {
            return empty;
        }

        return Build(record.GenerationId, record.Status, checkpoint.Phase, checkpoint.Sequence, checkpoint.Files, checkpoint.CurrentFile, checkpoint.CurrentFile is null ? null : checkpoint.CurrentText);
    }

    private static GenerationLive Build(string generationId, string status, int phase, long sequence, IReadOnlyList<GeneratedFile> finished, string? currentFile, string? currentText)
    {
        // A path yielded twice shows its last content, where it was first begun.
        var files = new List<GenerationLiveFile>(finished.Count + 1);
        var at = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var file in finished)
        {
            var entry = new GenerationLiveFile
            {
                Path = file.Path,
                Text = file.IsDelete ? null : TextOf(file.Content),
                Complete = true,
                Deleted = file.IsDelete,
            };
            entry = entry with { Offset = entry.Text?.Length ?? 0 };
            if (at.TryGetValue(file.Path, out var index))
            {
                files[index] = entry;
            }
            else
            {
                at[file.Path] = files.Count;
                files.Add(entry);
            }
        }

        if (currentFile is not null)
        {
            var text = currentText ?? string.Empty;
            var entry = new GenerationLiveFile { Path = currentFile, Text = text, Offset = text.Length, Complete = false };
            if (at.TryGetValue(currentFile, out var index))
            {
                // Written again in the same phase: the new text is what is being written; it is the last one begun.
                files.RemoveAt(index);
            }

            files.Add(entry);
        }

        return new GenerationLive
        {
            GenerationId = generationId,
            Status = status,
            Phase = phase,
            Sequence = sequence,
            CurrentFile = currentFile,
            Files = files,
        };
    }

    private static string? TextOf(ReadOnlyMemory<byte> content)
    {
        try
        {
            return StrictUtf8.GetString(content.Span);
        }
        catch (DecoderFallbackException)
        {
            return null;
        }
    }
}
