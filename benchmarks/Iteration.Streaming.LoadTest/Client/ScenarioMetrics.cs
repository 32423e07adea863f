namespace Iteration.Streaming.LoadTest.Client;

/// <summary>What the connections of one scenario run record, shared and thread-safe.</summary>
internal sealed class ScenarioMetrics
{
    private long _deliveries;
    private long _errors;
    private long _orderErrors;
    private long _opened;
    private long _ended;

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
    }

    public void Error(string message)
    {
        if (Interlocked.Increment(ref _errors) == 1)
        {
            FirstError = message;
        }
    }
}
