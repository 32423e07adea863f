using Iteration.Streaming.Checkpoints;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.Checkpoints;

/// <summary>
/// Phase checkpoints in the store file. A write goes through the store's single writer like an event (group commit, the
/// writer's prepared statements) and costs what changed: a row per new file, one row for the text delta (UTF-16LE, at
/// its offset) and the head row; the offset check and the changes are one transaction, so a conflicting or failed write
/// leaves the previous checkpoint whole. A read takes one snapshot of the three tables.
/// </summary>
internal sealed class SqlitePhaseCheckpointStore(SqliteStore store) : IPhaseCheckpointStore
{
    public ValueTask WriteAsync(PhaseCheckpointWrite write, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(write);
        ArgumentException.ThrowIfNullOrEmpty(write.GenerationId, nameof(write));
        Validate(write);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new WriteCheckpointOperation(write);
        store.Writer.Enqueue(operation);
        return new ValueTask(operation.Task);
    }

    public async ValueTask<PhaseCheckpoint?> ReadAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        using var reader = await store.Readers.RentAsync(cancellationToken).ConfigureAwait(false);

        // One read transaction: the head, files and text of one commit, never of two.
        reader.Command(CheckpointSql.BeginRead).ExecuteNonQuery();
        try
        {
            return Read(reader, generationId);
        }
        finally
        {
            reader.Command(CheckpointSql.EndRead).ExecuteNonQuery();
        }
    }

    public ValueTask DeleteAsync(string generationId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(generationId);
        cancellationToken.ThrowIfCancellationRequested();
        var operation = new DeleteCheckpointOperation(generationId);
        store.Writer.Enqueue(operation);
        return new ValueTask(operation.Task);
    }

    private static void Validate(PhaseCheckpointWrite write)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(write.Offset, nameof(write));
        if (write.Files is null || write.Text is null)
        {
            throw new ArgumentException("A checkpoint write needs its Files and Text (empty when none).", nameof(write));
        }

        foreach (var file in write.Files)
        {
            if (file is null || string.IsNullOrEmpty(file.Path))
            {
                throw new ArgumentException("Every file of a checkpoint write needs a Path.", nameof(write));
            }
        }
    }

    private PhaseCheckpoint? Read(ReadConnectionPool.Lease reader, string generationId)
    {
        PhaseCheckpoint checkpoint;
        long textLength;
        using (var head = reader.Command(CheckpointSql.GetHead).With("$id", generationId).ExecuteReader())
        {
            if (!head.Read())
            {
                return null;
            }

            textLength = head.GetInt64(3);
            checkpoint = new PhaseCheckpoint
            {
                Phase = head.GetInt32(0),
                Attempt = head.GetInt32(1),
                CurrentFile = head.IsDBNull(2) ? null : head.GetString(2),
                ResumeState = head.IsDBNull(4) ? ReadOnlyMemory<byte>.Empty : (byte[])head.GetValue(4),
                Sequence = head.GetInt64(5),
                WrittenAt = new DateTimeOffset(head.GetInt64(6), TimeSpan.Zero),
                Overflowed = head.GetInt64(7) != 0,
            };
        }

        var files = new List<GeneratedFile>();
        using (var rows = reader.Command(CheckpointSql.GetFiles).With("$id", generationId).ExecuteReader())
        {
            while (rows.Read())
            {
                files.Add(new GeneratedFile
                {
                    Path = rows.GetString(0),
                    IsDelete = rows.GetInt64(1) != 0,
                    WrittenBy = rows.IsDBNull(2) ? null : rows.GetString(2),
                    Content = (byte[])rows.GetValue(3),
                });
            }
        }

        return new PhaseCheckpoint
        {
            Phase = checkpoint.Phase,
            Attempt = checkpoint.Attempt,
            Files = files,
            CurrentFile = checkpoint.CurrentFile,
            CurrentText = ReadText(reader, generationId, textLength),
            ResumeState = checkpoint.ResumeState,
            Sequence = checkpoint.Sequence,
            WrittenAt = checkpoint.WrittenAt,
            Overflowed = checkpoint.Overflowed,
        };
    }

    /// <summary>The text deltas, end to end; rows that do not make up the stored length exactly are a damaged checkpoint.</summary>
    private string ReadText(ReadConnectionPool.Lease reader, string generationId, long textLength)
    {
        if (textLength is < 0 or > int.MaxValue)
        {
            throw Damaged(generationId, $"its text length is {textLength}");
        }

        var text = new char[textLength];
        var at = 0L;
        using (var rows = reader.Command(CheckpointSql.GetText).With("$id", generationId).ExecuteReader())
        {
            while (rows.Read())
            {
                var position = rows.GetInt64(0);
                var bytes = (byte[])rows.GetValue(1);
                if (position != at || bytes.Length % 2 != 0 || at + (bytes.Length / 2) > textLength)
                {
                    throw Damaged(generationId, $"a text delta at {position} does not continue the text at {at}");
                }

                Utf16Bytes.CopyTo(bytes, text.AsSpan((int)at, bytes.Length / 2));
                at += bytes.Length / 2;
            }
        }

        return at == textLength ? new string(text) : throw Damaged(generationId, $"its text holds {at} of {textLength} characters");
    }

    private InvalidDataException Damaged(string generationId, string detail) =>
        new($"The checkpoint of generation '{generationId}' in the SQLite store '{store.Path}' is damaged: {detail}.");
}
