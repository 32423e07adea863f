using System.Runtime.CompilerServices;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Enumerates a generator so that cancellation stops the run even when the generator ignores its token: a pending
/// <c>MoveNextAsync</c> is abandoned, and the enumerator disposed once it returns.
/// </summary>
internal static class AbandonableEnumeration
{
    public static async IAsyncEnumerable<T> EnumerateAsync<T>(IAsyncEnumerable<T> source, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var enumerator = source.GetAsyncEnumerator(cancellationToken);
        Task<bool>? pending = null;
        try
        {
            while (true)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var move = enumerator.MoveNextAsync();
                bool hasNext;
                if (move.IsCompleted)
                {
                    hasNext = await move.ConfigureAwait(false);
                }
                else
                {
                    pending = move.AsTask();
                    hasNext = await pending.WaitAsync(cancellationToken).ConfigureAwait(false);
                    pending = null;
                }

                if (!hasNext)
                {
                    yield break;
                }

                yield return enumerator.Current;
            }
        }
        finally
        {
            if (pending is null)
            {
                await enumerator.DisposeAsync().ConfigureAwait(false);
            }
            else
            {
                _ = DisposeWhenDoneAsync(pending, enumerator);
            }
        }
    }

    private static async Task DisposeWhenDoneAsync<T>(Task<bool> pending, IAsyncEnumerator<T> enumerator)
    {
        try
        {
            await pending.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // The run has ended already; what the abandoned call threw no longer matters.
        }

        try
        {
            await enumerator.DisposeAsync().ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Same: the generator's cleanup failing cannot change the run's outcome any more.
        }
    }
}
