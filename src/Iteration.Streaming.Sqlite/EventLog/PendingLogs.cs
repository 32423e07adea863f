using Iteration.Streaming.Sqlite.Storage;

namespace Iteration.Streaming.Sqlite.EventLog;

/// <summary>
/// The logs that the batch being written created or deleted, which later writes of the same batch must see before they
/// are published. Used by the writer thread only; forgotten when the batch ends, committed or not.
/// </summary>
internal sealed class PendingLogs : IBatchParticipant
{
    private readonly Dictionary<string, GenerationFeed?> _changed = new(StringComparer.Ordinal);

    public int EnlistedIn { get; set; }

    /// <summary>Whether the batch changed the log: <paramref name="feed"/> is its new feed, or null when it deleted it.</summary>
    public bool TryGet(string generationId, out GenerationFeed? feed) => _changed.TryGetValue(generationId, out feed);

    public void Created(WriteBatch batch, GenerationFeed feed)
    {
        batch.Enlist(this);
        _changed[feed.GenerationId] = feed;
    }

    public void Deleted(WriteBatch batch, string generationId)
    {
        batch.Enlist(this);
        _changed[generationId] = null;
    }

    void IBatchParticipant.Save()
    {
    }

    void IBatchParticipant.Restore() => _changed.Clear();

    void IBatchParticipant.Committed() => _changed.Clear();
}
