using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Runs;

namespace Iteration.Streaming.EventLog;

/// <summary>
/// A subscription to a run of this instance: the log's entries, then, when the run's end could not be stored, the end
/// from <see cref="UnstoredEndings"/>, so the watcher is told and its stream closes instead of idling for ever.
/// </summary>
/// <remarks>
/// The log's wait is given <paramref name="endedUnstored"/>, which fires when the run ends unstored: no extra task or
/// timer per wait, so a live stream costs what it did.
/// </remarks>
internal sealed class UnstoredEndSubscription(EventLogSubscription inner, UnstoredEndings endings, CancellationToken endedUnstored) : EventLogSubscription
{
    private EventLogEntry? _ending;
    private bool _delivered;

    public override string GenerationId => inner.GenerationId;

    public override bool IsAlreadyComplete => inner.IsAlreadyComplete;

    public override long LastSequence => _delivered ? _ending!.Sequence : inner.LastSequence;

    public override bool TryRead([NotNullWhen(true)] out EventLogEntry? entry)
    {
        if (_delivered)
        {
            entry = null;
            return false;
        }

        if (inner.TryRead(out entry))
        {
            return true;
        }

        if (Ending() is { } ending && inner.LastSequence >= ending.Sequence - 1)
        {
            _delivered = true;
            entry = ending;
            return true;
        }

        return false;
    }

    public override ValueTask<bool> WaitToReadAsync(CancellationToken cancellationToken = default)
    {
        if (_delivered)
        {
            return ValueTask.FromResult(false);
        }

        if (Ending() is { } ending)
        {
            // The end comes once the log's entries before it are read.
            return inner.LastSequence >= ending.Sequence - 1 ? ValueTask.FromResult(true) : inner.WaitToReadAsync(cancellationToken);
        }

        return endedUnstored.CanBeCanceled ? WaitForEitherAsync(cancellationToken) : inner.WaitToReadAsync(cancellationToken);
    }

    public override async ValueTask DisposeAsync()
    {
        await inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }

    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder<>))]
    private async ValueTask<bool> WaitForEitherAsync(CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            try
            {
                return await inner.WaitToReadAsync(endedUnstored).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (endedUnstored.IsCancellationRequested)
            {
                return true;
            }
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, endedUnstored);
        try
        {
            return await inner.WaitToReadAsync(linked.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (endedUnstored.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            return true;
        }
    }

    private EventLogEntry? Ending()
    {
        if (_ending is null && endings.TryGet(inner.GenerationId, out var ending))
        {
            _ending = ending;
        }

        return _ending;
    }
}
