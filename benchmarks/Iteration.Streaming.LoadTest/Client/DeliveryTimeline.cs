using System.Diagnostics;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// Deliveries per millisecond across every watcher of a measurement, from <see cref="Start"/>: the largest gap between
/// two consecutive deliveries (a server that stops sending mid-burst shows as a run of empty milliseconds), and the
/// deliveries-over-time curve. One counter per millisecond, incremented without locks.
/// </summary>
internal sealed class DeliveryTimeline
{
    /// <summary>How long one timeline covers; later deliveries are counted in the last bucket.</summary>
    public static readonly TimeSpan Span = TimeSpan.FromSeconds(120);

    private readonly long[] _perMillisecond = new long[(int)Span.TotalMilliseconds];
    private long _origin = Stopwatch.GetTimestamp();

    /// <summary>Starts a new timeline now.</summary>
    public void Start()
    {
        Array.Clear(_perMillisecond);
        Volatile.Write(ref _origin, Stopwatch.GetTimestamp());
    }

    public void Record(long timestamp)
    {
        var millisecond = (timestamp - Volatile.Read(ref _origin)) * 1000 / Stopwatch.Frequency;
        var index = (int)Math.Clamp(millisecond, 0, _perMillisecond.Length - 1);
        Interlocked.Increment(ref _perMillisecond[index]);
    }

    /// <summary>The longest run of milliseconds with no delivery between the first and the last delivery.</summary>
    public TimeSpan LargestGap()
    {
        int first = -1, last = -1;
        for (var i = 0; i < _perMillisecond.Length; i++)
        {
            if (Interlocked.Read(ref _perMillisecond[i]) > 0)
            {
                first = first < 0 ? i : first;
                last = i;
            }
        }

        var longest = 0;
        var run = 0;
        for (var i = first + 1; first >= 0 && i <= last; i++)
        {
            run = Interlocked.Read(ref _perMillisecond[i]) == 0 ? run + 1 : 0;
            longest = Math.Max(longest, run);
        }

        // A run of n empty milliseconds between two deliveries is a gap of up to n + 1 ms.
        return TimeSpan.FromMilliseconds(first < 0 ? 0 : longest + (longest > 0 ? 1 : 0));
    }

    /// <summary>Deliveries per <paramref name="bucket"/> from the start to the last delivery (for charts).</summary>
    public long[] Curve(TimeSpan bucket)
    {
        var size = Math.Max(1, (int)bucket.TotalMilliseconds);
        var last = Array.FindLastIndex(_perMillisecond, c => c > 0);
        var curve = new long[(last / size) + 1];
        for (var i = 0; i <= last; i++)
        {
            curve[i / size] += _perMillisecond[i];
        }

        return curve;
    }
}
