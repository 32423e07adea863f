using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;

namespace Iteration.Streaming.AspNetCore.Streams.Multiplex;

/// <summary>
/// Admits a bounded number of multiplexed streams at a time into their opening (checking the set, subscribing to every
/// member, writing what each missed), so that a mass reconnect reads the logs a few streams at a time instead of all at
/// once (<c>MaxConcurrentStreamReplays</c>); the others wait their turn in order. One per application.
/// </summary>
[SuppressMessage("Reliability", "CA1001", Justification = "Lives as long as its application; a SemaphoreSlim whose wait handle is never asked for holds nothing to dispose.")]
internal sealed class StreamReplayGate
{
    private static readonly ConditionalWeakTable<IServiceProvider, StreamReplayGate> PerApplication = [];

    private readonly SemaphoreSlim _slots;

    private StreamReplayGate(int slots) => _slots = new SemaphoreSlim(slots, slots);

    public static StreamReplayGate For(IServiceProvider applicationServices, int slots) =>
        PerApplication.GetValue(applicationServices, _ => new StreamReplayGate(slots));

    /// <summary>How many streams may open now, for tests.</summary>
    internal int Available => _slots.CurrentCount;

    /// <summary>Waits for a slot; disposing the answer (once or more) frees it.</summary>
    public async ValueTask<IDisposable> EnterAsync(CancellationToken cancellationToken)
    {
        await _slots.WaitAsync(cancellationToken).ConfigureAwait(false);
        return new Slot(_slots);
    }

    private sealed class Slot(SemaphoreSlim slots) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                slots.Release();
            }
        }
    }
}
