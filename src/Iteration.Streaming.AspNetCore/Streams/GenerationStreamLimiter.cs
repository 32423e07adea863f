using System.Runtime.CompilerServices;

namespace Iteration.Streaming.AspNetCore.Streams;

/// <summary>
/// Counts the open streams of each generation on this instance, so one generation cannot take every connection
/// (<c>MaxStreamsPerGeneration</c>). One per application, shared by all its <c>MapIterationStream</c> groups.
/// </summary>
internal sealed class GenerationStreamLimiter
{
    private static readonly ConditionalWeakTable<IServiceProvider, GenerationStreamLimiter> PerApplication = [];

    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _open = new(StringComparer.Ordinal);

    public static GenerationStreamLimiter For(IServiceProvider applicationServices) =>
        PerApplication.GetValue(applicationServices, static _ => new GenerationStreamLimiter());

    /// <summary>Open streams of a generation now, for tests.</summary>
    internal int OpenStreams(string generationId)
    {
        lock (_gate)
        {
            return _open.GetValueOrDefault(generationId);
        }
    }

    /// <summary>Takes a slot, or answers <see langword="null"/> and the count when <paramref name="max"/> are taken.</summary>
    public Lease? TryAcquire(string generationId, int max, out int open)
    {
        lock (_gate)
        {
            open = _open.GetValueOrDefault(generationId);
            if (open >= max)
            {
                return null;
            }

            _open[generationId] = open + 1;
        }

        return new Lease(this, generationId);
    }

    private void Release(string generationId)
    {
        lock (_gate)
        {
            var open = _open.GetValueOrDefault(generationId) - 1;
            if (open > 0)
            {
                _open[generationId] = open;
            }
            else
            {
                _open.Remove(generationId);
            }
        }
    }

    /// <summary>One stream's slot; disposing it more than once releases it once.</summary>
    public sealed class Lease(GenerationStreamLimiter limiter, string generationId) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                limiter.Release(generationId);
            }
        }
    }
}
