namespace Iteration.Streaming.Sqlite.Storage;

/// <summary>
/// One write queued for the <see cref="GroupCommitWriter"/>: run inside a shared transaction, made visible after the
/// commit, then completed. A refusal (an unknown generation, a duplicate) is the operation's own answer and does not
/// fail the batch; an exception thrown from <see cref="Execute"/> does.
/// </summary>
internal abstract class WriteOperation
{
    /// <summary>
    /// Whether the operation's commit must be flushed to disk before it completes (with
    /// <see cref="Hosting.SqliteStoreOptions.FlushCommitsToDisk"/>). A batch of operations that need none (phase
    /// checkpoints) commits without its own flush: it survives a killed process at once, and a power loss from the next
    /// flushed commit on (a flush of the WAL covers every commit before it).
    /// </summary>
    public virtual bool NeedsFlush => true;

    /// <summary>Runs the operation's statements in the batch's transaction.</summary>
    public abstract void Execute(WriteBatch batch);

    /// <summary>After the commit, under the writer's commit gate: makes the result visible in memory.</summary>
    public virtual void Publish()
    {
    }

    /// <summary>After the commit: completes the caller with the result or the refusal.</summary>
    public abstract void Complete();

    /// <summary>The batch was not committed: completes the caller with <paramref name="error"/>.</summary>
    public abstract void Fail(Exception error);

    /// <summary>What the operation saves, for error messages ("event 12 of generation 'x'").</summary>
    public abstract string Describe();
}

/// <summary>A <see cref="WriteOperation"/> whose caller awaits a <typeparamref name="T"/>.</summary>
internal abstract class WriteOperation<T> : WriteOperation
{
    private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Exception? _refusal;
    private T? _result;

    public Task<T> Task => _completion.Task;

    /// <summary>Whether the last run ended with a refusal rather than a result.</summary>
    protected bool IsRefused => _refusal is not null;

    public sealed override void Execute(WriteBatch batch)
    {
        // A batch that failed runs its operations again one by one: start each run clean.
        _refusal = null;
        _result = default;
        Run(batch);
    }

    public sealed override void Complete()
    {
        if (_refusal is not null)
        {
            _completion.TrySetException(_refusal);
        }
        else
        {
            _completion.TrySetResult(_result!);
        }
    }

    public sealed override void Fail(Exception error) => _completion.TrySetException(error);

    protected abstract void Run(WriteBatch batch);

    protected void SetResult(T result) => _result = result;

    protected void Refuse(Exception refusal) => _refusal = refusal;
}
