namespace Iteration.Streaming.LoadTest.Client;

/// <summary>What the connections of one scenario run record, shared and thread-safe.</summary>
internal sealed class ScenarioMetrics
{
    private long _deliveries;
    private long _errors;
    private long _orderErrors;
    private long _opened;
    private long _ended;
    private long _bytes;
    private long _longestId;

    public LatencyHistogram Latency { get; } = new();

    public LatencyHistogram FirstEvent { get; } = new();

    public LatencyHistogram Open { get; } = new();

    /// <summary>Deliveries per millisecond since the last <see cref="Reset"/>: the largest gap of a burst.</summary>
    public DeliveryTimeline Timeline { get; } = new();

    /// <summary>Whether event latency is recorded (not for replays, whose events are old by design).</summary>
    public bool RecordLatency { get; set; } = true;

    public long Deliveries => Interlocked.Read(ref _deliveries);

    public long Errors => Interlocked.Read(ref _errors);

    public long OrderErrors => Interlocked.Read(ref _orderErrors);

    public long Opened => Interlocked.Read(ref _opened);

    public long Ended => Interlocked.Read(ref _ended);

    public string? FirstError { get; private set; }

    /// <summary>Bytes read from every connection (chunk framing included) since the last <see cref="Reset"/>.</summary>
    public long BytesReceived => Interlocked.Read(ref _bytes);

    /// <summary>The longest opaque <c>id:</c> value seen (a multiplexed stream's cursor), in bytes.</summary>
    public long LongestId => Interlocked.Read(ref _longestId);

    public void Received(int bytes) => Interlocked.Add(ref _bytes, bytes);

    public void IdLength(int bytes)
    {
        // Read first: the cursor's length changes rarely, so the common case writes nothing shared.
        if (bytes > Interlocked.Read(ref _longestId))
        {
            InterlockedMax(ref _longestId, bytes);
        }
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var seen = Interlocked.Read(ref target);
        while (value > seen)
        {
            var previous = Interlocked.CompareExchange(ref target, value, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }

    public void Delivered(long timestamp)
    {
        Interlocked.Increment(ref _deliveries);
        Timeline.Record(timestamp);
    }

    public void OutOfOrder() => Interlocked.Increment(ref _orderErrors);

    public void StreamOpened() => Interlocked.Increment(ref _opened);

    public void StreamEnded() => Interlocked.Increment(ref _ended);

    /// <summary>Starts a new measurement on the same connections.</summary>
    public void Reset()
    {
        Latency.Reset();
        FirstEvent.Reset();
        Timeline.Start();
        Interlocked.Exchange(ref _deliveries, 0);
        Interlocked.Exchange(ref _orderErrors, 0);
        Interlocked.Exchange(ref _bytes, 0);
    }

    public void Error(string message)
    {
        if (Interlocked.Increment(ref _errors) == 1)
        {
            FirstError = message;
        }
    }
}
