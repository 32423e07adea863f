using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.Checkpoints;

/// <summary>
/// Applies one incremental checkpoint write in the batch's transaction: reads the stored head, checks the delta's offset
/// before changing anything (a conflict is this write's refusal and changes nothing), then writes only what changed: the
/// new files, one row for the text delta, and the head. The transaction makes it whole or nothing.
/// </summary>
internal sealed class WriteCheckpointOperation(PhaseCheckpointWrite write) : WriteOperation<bool>
{
    public override string Describe() => $"the phase {write.Phase} checkpoint of generation '{write.GenerationId}'";

    protected override void Run(WriteBatch batch)
    {
        var id = write.GenerationId;
        var stored = ReadState(batch, id);
        var fresh = write.Reset || stored is null || stored.Value.Phase != write.Phase || write.Overflowed;
        var startsText = fresh
            || !string.Equals(stored!.Value.CurrentFile, write.CurrentFile, StringComparison.Ordinal)
            || ContainsPath(write, stored.Value.CurrentFile);
        var expected = startsText ? 0 : stored!.Value.TextLength;
        if (write.CurrentFile is not null && write.Offset != expected)
        {
            Refuse(new PhaseCheckpointConflictException(
                $"The checkpoint of generation '{id}' holds {expected} characters of its current file, but the write starts at {write.Offset}."));
            return;
        }

        var fileCount = 0L;
        if (fresh)
        {
            batch.Command(CheckpointSql.Delete).With("$id", id).ExecuteNonQuery();
        }
        else
        {
            fileCount = stored!.Value.FileCount;
        }

        string? currentFile = null;
        long textLength = 0;
        if (!write.Overflowed)
        {
            foreach (var file in write.Files)
            {
                // A path written again keeps its first ordinal (the conflict clause leaves it); the count only orders.
                batch.Command(CheckpointSql.PutFile)
                    .With("$id", id)
                    .With("$path", file.Path)
                    .With("$ordinal", fileCount++)
                    .With("$is_delete", file.IsDelete ? 1 : 0)
                    .With("$written_by", file.WrittenBy)
                    .With("$content", file.Content.ToArray())
                    .ExecuteNonQuery();
            }

            if (!fresh && (startsText || write.CurrentFile is null))
            {
                batch.Command(CheckpointSql.DeleteText).With("$id", id).ExecuteNonQuery();
            }

            currentFile = write.CurrentFile;
            if (currentFile is not null)
            {
                if (write.Text.Length > 0)
                {
                    batch.Command(CheckpointSql.AddText)
                        .With("$id", id)
                        .With("$position", expected)
                        .With("$text", Utf16Bytes.From(write.Text))
                        .ExecuteNonQuery();
                }

                textLength = expected + write.Text.Length;
            }
        }

        batch.Command(CheckpointSql.PutHead)
            .With("$id", id)
            .With("$phase", write.Phase)
            .With("$attempt", write.Attempt)
            .With("$current_file", currentFile)
            .With("$text_length", textLength)
            .With("$resume_state", write.Overflowed ? Array.Empty<byte>() : write.ResumeState?.ToArray())
            .With("$sequence", write.Sequence)
            .With("$written_at", write.WrittenAt.UtcTicks)
            .With("$overflowed", write.Overflowed ? 1 : 0)
            .With("$file_count", fileCount)
            .ExecuteNonQuery();
        SetResult(true);
    }

    private static bool ContainsPath(PhaseCheckpointWrite write, string? path)
    {
        foreach (var file in write.Files)
        {
            if (string.Equals(file.Path, path, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }

    private static StoredState? ReadState(WriteBatch batch, string id)
    {
        using var row = batch.Command(CheckpointSql.GetWriteState).With("$id", id).ExecuteReader();
        return row.Read()
            ? new StoredState(row.GetInt32(0), row.IsDBNull(1) ? null : row.GetString(1), row.GetInt64(2), row.GetInt64(3))
            : null;
    }

    private readonly record struct StoredState(int Phase, string? CurrentFile, long TextLength, long FileCount);
}

/// <summary>Deletes a generation's checkpoint (its head, files and text).</summary>
internal sealed class DeleteCheckpointOperation(string generationId) : WriteOperation<bool>
{
    public override string Describe() => $"the deletion of the checkpoint of generation '{generationId}'";

    protected override void Run(WriteBatch batch)
    {
        batch.Command(CheckpointSql.Delete).With("$id", generationId).ExecuteNonQuery();
        SetResult(true);
    }
}
