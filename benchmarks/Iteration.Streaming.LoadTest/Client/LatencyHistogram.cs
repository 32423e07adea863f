using System.Diagnostics;

namespace Iteration.Streaming.LoadTest.Client;

/// <summary>
/// A thread-safe log-linear histogram of durations in microseconds: exact below 2 ms, within 0.1 % above (up to ~2 hours).
/// </summary>
internal sealed class LatencyHistogram
{
    private const int LinearBuckets = 2048;
    private const int SubBuckets = 1024;
    private const int Exponents = 23;

    private readonly long[] _counts = new long[LinearBuckets + (Exponents * SubBuckets)];
    private long _total;
    private long _max;

    public long Count => Interlocked.Read(ref _total);

    public static double TicksToMicroseconds(long ticks) => ticks * 1_000_000.0 / Stopwatch.Frequency;

    public void RecordTicks(long ticks) => Record((long)TicksToMicroseconds(Math.Max(0, ticks)));

    public void Record(long microseconds)
    {
        microseconds = Math.Max(0, microseconds);
        Interlocked.Increment(ref _counts[IndexOf(microseconds)]);
        Interlocked.Increment(ref _total);
        var max = Interlocked.Read(ref _max);
        while (microseconds > max)
        {
            var seen = Interlocked.CompareExchange(ref _max, microseconds, max);
            if (seen == max)
            {
                break;
            }

            max = seen;
        }
    }

    /// <summary>The value at a percentile (0–100), in milliseconds; NaN when empty.</summary>
    public double PercentileMs(double percentile)
    {
        var total = Count;
        if (total == 0)
        {
            return double.NaN;
        }

        if (percentile >= 100)
        {
            return Interlocked.Read(ref _max) / 1000.0;
        }

        var rank = (long)Math.Ceiling(percentile / 100.0 * total);
        rank = Math.Max(1, rank);
        long seen = 0;
        for (var i = 0; i < _counts.Length; i++)
        {
            seen += Interlocked.Read(ref _counts[i]);
            if (seen >= rank)
            {
                return Math.Min(UpperBoundOf(i), Interlocked.Read(ref _max)) / 1000.0;
            }
        }

        return Interlocked.Read(ref _max) / 1000.0;
    }

    public void Reset()
    {
        Array.Clear(_counts);
        Interlocked.Exchange(ref _total, 0);
        Interlocked.Exchange(ref _max, 0);
    }

    private static int IndexOf(long value)
    {
        if (value < LinearBuckets)
        {
            return (int)value;
        }

        var log = 63 - (int)long.LeadingZeroCount(value);
        var shift = log - 10;
        var exponent = Math.Min(shift, Exponents) - 1;
        var sub = (int)((value >> shift) - SubBuckets);
        return LinearBuckets + (exponent * SubBuckets) + Math.Min(sub, SubBuckets - 1);
    }

    private static long UpperBoundOf(int index)
    {
        if (index < LinearBuckets)
        {
            return index;
        }

        var exponent = ((index - LinearBuckets) / SubBuckets) + 1;
        var sub = (index - LinearBuckets) % SubBuckets;
        return ((long)(SubBuckets + sub + 1) << exponent) - 1;
    }
}
