namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// The names under which Iteration.Streaming publishes its traces and metrics, for a host's OpenTelemetry setup:
/// <c>.WithTracing(t =&gt; t.AddSource(IterationStreamingTelemetry.ActivitySourceName))</c> and
/// <c>.WithMetrics(m =&gt; m.AddMeter(IterationStreamingTelemetry.MeterName))</c>.
/// </summary>
/// <remarks>
/// Spans: <c>generation.run</c> (one per run, a root linked to the request that started it) with a child
/// <c>generation.phase</c> per phase, attributed under <c>iteration.streaming.</c> (<c>iteration.streaming.generation.id</c>,
/// <c>iteration.streaming.generation.status</c>, <c>iteration.streaming.phase.name</c>, …) and with <c>error.type</c> on
/// failures. Instruments: <c>iteration.streaming.runs.started</c>,
/// <c>iteration.streaming.runs.ended</c> (attributed with the outcome), <c>iteration.streaming.runs.active</c>,
/// <c>iteration.streaming.runs.queued</c>, <c>iteration.streaming.run.duration</c>,
/// <c>iteration.streaming.phase.duration</c>, <c>iteration.streaming.tokens</c> and, with the ASP.NET Core package,
/// <c>iteration.streaming.streams.active</c> and <c>iteration.streaming.streams.events_written</c>.
/// </remarks>
public static class IterationStreamingTelemetry
{
    /// <summary>The name of the <see cref="System.Diagnostics.Metrics.Meter"/> of every Iteration.Streaming package.</summary>
    public const string MeterName = "Iteration.Streaming";

    /// <summary>The name of the <see cref="System.Diagnostics.ActivitySource"/> of every Iteration.Streaming package.</summary>
    public const string ActivitySourceName = "Iteration.Streaming";
}
