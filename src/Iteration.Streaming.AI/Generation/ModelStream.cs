using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// One streamed model request: its updates, its idle clock (cancelled when the model is silent too long), and the token
/// that stops the request (the run's, the idle clock's, or an abort). A continuation's first update may be kept, read
/// by <see cref="ChatClientPhaseGenerator.PrepareResumeAsync"/>, for the generation to process first.
/// </summary>
internal sealed class ModelStream : IAsyncDisposable
{
    private readonly CancellationTokenSource _request;
    private bool _hasFirst;

    public ModelStream(TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        Idle = new CancellationTokenSource(Timeout.InfiniteTimeSpan, timeProvider);
        _request = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, Idle.Token);
    }

    /// <summary>The model's updates.</summary>
    public IAsyncEnumerator<ChatResponseUpdate>? Updates { get; set; }

    /// <summary>Cancelled when the model sends nothing for the idle timeout.</summary>
    public CancellationTokenSource Idle { get; }

    /// <summary>Stops the request.</summary>
    public CancellationToken RequestToken => _request.Token;

    /// <summary>Keeps <see cref="Updates"/>' current update for <see cref="TryTakeFirst"/>.</summary>
    public void KeepFirst() => _hasFirst = true;

    /// <summary>The kept first update, once.</summary>
    public bool TryTakeFirst(out ChatResponseUpdate update)
    {
        if (_hasFirst && Updates is not null)
        {
            _hasFirst = false;
            update = Updates.Current;
            return true;
        }

        update = null!;
        return false;
    }

    /// <summary>Stops the request in flight (the run was cancelled after the stream was opened for it).</summary>
    public void Abort()
    {
        try
        {
            _request.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // Already ended.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Updates is { } updates)
        {
            Updates = null;
            await updates.DisposeAsync().ConfigureAwait(false);
        }

        DisposeSources();
    }

    /// <summary>Disposes the cancellation sources (the stream was never opened, or is disposed).</summary>
    public void DisposeSources()
    {
        _request.Dispose();
        Idle.Dispose();
    }
}
