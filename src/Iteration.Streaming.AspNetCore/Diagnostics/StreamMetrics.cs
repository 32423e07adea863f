using System.Diagnostics.Metrics;
using Iteration.Streaming.Diagnostics;

namespace Iteration.Streaming.AspNetCore.Diagnostics;

/// <summary>
/// The stream instruments, on the <see cref="IterationStreamingTelemetry.MeterName"/> meter: open streams and events written.
/// </summary>
internal sealed class StreamMetrics
{
    public const string MeterName = IterationStreamingTelemetry.MeterName;
    public const string ActiveStreamsName = "iteration.streaming.streams.active";
    public const string EventsWrittenName = "iteration.streaming.streams.events_written";

    private readonly UpDownCounter<long> _activeStreams;
    private readonly Counter<long> _eventsWritten;

    public StreamMetrics(IMeterFactory? meterFactory)
    {
        var meter = meterFactory?.Create(MeterName) ?? new Meter(MeterName);
        _activeStreams = meter.CreateUpDownCounter<long>(ActiveStreamsName, "{stream}", "Server-Sent Events streams currently open.");
        _eventsWritten = meter.CreateCounter<long>(EventsWrittenName, "{event}", "Events written to Server-Sent Events streams.");
    }

    public void StreamOpened() => _activeStreams.Add(1);

    public void StreamClosed() => _activeStreams.Add(-1);

    public void EventsWritten(long count)
    {
        if (count > 0)
        {
            _eventsWritten.Add(count);
        }
    }
}
