namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// In-memory state that a batch changes before its commit (the next sequence of a log, say): saved before the first
/// change, restored when the batch is not committed, told when it was.
/// </summary>
internal interface IBatchParticipant
{
    /// <summary>The number of the last batch the participant was enlisted in; set by <see cref="WriteBatch.Enlist"/>.</summary>
    int EnlistedIn { get; set; }

    /// <summary>Saves the state, before the batch's first change to it.</summary>
    void Save();

    /// <summary>Restores the saved state: the batch was rolled back.</summary>
    void Restore();

    /// <summary>The batch was committed and published.</summary>
    void Committed();
}
