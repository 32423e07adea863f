using System.Diagnostics.Metrics;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>Listens to the library's own stream instruments: open streams and events written.</summary>
internal sealed class StreamCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _active;
    private long _written;

    public StreamCounter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Iteration.Streaming"
                && instrument.Name is "iteration.streaming.streams.active" or "iteration.streaming.streams.events_written")
            {
                listener.EnableMeasurementEvents(instrument, this);
            }
        };
        _listener.SetMeasurementEventCallback<long>(static (instrument, value, _, state) =>
        {
            var counter = (StreamCounter)state!;
            if (instrument.Name == "iteration.streaming.streams.active")
            {
                Interlocked.Add(ref counter._active, value);
            }
            else
            {
                Interlocked.Add(ref counter._written, value);
            }
        });
        _listener.Start();
    }

    public long Active => Interlocked.Read(ref _active);

    public long Written => Interlocked.Read(ref _written);

    public void Dispose() => _listener.Dispose();
}
