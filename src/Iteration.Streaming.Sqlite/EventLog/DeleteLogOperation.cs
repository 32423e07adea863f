using Iteration.Streaming.Sqlite.Checkpoints;
using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>Deletes a generation's log and all its rows, and its phase checkpoint.</summary>
internal sealed class DeleteLogOperation(SqliteGenerationEventLog log, string generationId) : WriteOperation<bool>
{
    private bool _deleted;

    public override void Publish()
    {
        if (_deleted)
        {
            log.PublishDeleted(generationId);
        }
    }

    public override string Describe() => $"the deletion of the event log of generation '{generationId}'";

    protected override void Run(WriteBatch batch)
    {
        _deleted = false;

        // The generation's checkpoint goes with its log, in the same transaction (retention deletes both anyway).
        batch.Command(CheckpointSql.Delete).With("$id", generationId).ExecuteNonQuery();
        long logId;
        if (log.Pending.TryGet(generationId, out var pending))
        {
            if (pending is null)
            {
                SetResult(false);
                return;
            }

            logId = pending.LogId;
        }
        else if (batch.Command(EventLogSql.FindLog).With("$id", generationId).ExecuteScalar() is long stored)
        {
            logId = stored;
        }
        else
        {
            SetResult(false);
            return;
        }

        batch.Command(EventLogSql.DeleteLog).With("$log", logId).ExecuteNonQuery();
        log.Pending.Deleted(batch, generationId);
        _deleted = true;
        SetResult(true);
    }
}
