using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>Creates the empty log of a generation; refused when one exists (also one written before a restart).</summary>
internal sealed class CreateLogOperation(SqliteGenerationEventLog log, string generationId) : WriteOperation<bool>
{
    private GenerationFeed? _feed;

    public override void Publish()
    {
        if (_feed is not null)
        {
            log.PublishCreated(_feed);
        }
    }

    public override string Describe() => $"the new event log of generation '{generationId}'";

    protected override void Run(WriteBatch batch)
    {
        _feed = null;
        if (batch.Command(EventLogSql.CreateLog).With("$id", generationId).ExecuteScalar() is not long logId)
        {
            Refuse(new InvalidOperationException($"An event log for generation '{generationId}' exists already."));
            return;
        }

        _feed = log.NewFeed(generationId, logId);
        log.Pending.Created(batch, _feed);
        SetResult(true);
    }
}
