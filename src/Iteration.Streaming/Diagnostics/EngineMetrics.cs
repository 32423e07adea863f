using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// The engine's instruments on the <c>Iteration.Streaming</c> meter: created through <see cref="IMeterFactory"/> when the
/// host registered one (so they are scoped to its container), otherwise on a meter this class owns.
/// </summary>
internal sealed class EngineMetrics : IDisposable
{
    public const string RunsStartedName = "iteration.streaming.runs.started";
    public const string RunsCompletedName = "iteration.streaming.runs.completed";
    public const string RunsFailedName = "iteration.streaming.runs.failed";
    public const string RunsCancelledName = "iteration.streaming.runs.cancelled";
    public const string ActiveRunsName = "iteration.streaming.runs.active";
    public const string QueuedRunsName = "iteration.streaming.runs.queued";
    public const string RunDurationName = "iteration.streaming.run.duration";
    public const string PhaseDurationName = "iteration.streaming.phase.duration";
    public const string TokensName = "iteration.streaming.tokens";

    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _started;
    private readonly Counter<long> _completed;
    private readonly Counter<long> _failed;
    private readonly Counter<long> _cancelled;
    private readonly UpDownCounter<long> _active;
    private readonly UpDownCounter<long> _queued;
    private readonly Histogram<double> _runDuration;
    private readonly Histogram<double> _phaseDuration;
    private readonly Counter<long> _tokens;

    public EngineMetrics(IMeterFactory? meterFactory = null)
    {
        Meter meter;
        if (meterFactory is null)
        {
            meter = _ownedMeter = new Meter(IterationStreamingDiagnostics.Name);
        }
        else
        {
            meter = meterFactory.Create(IterationStreamingDiagnostics.Name);
        }

        Meter = meter;
        _started = meter.CreateCounter<long>(RunsStartedName, "{run}", "Generations that started running.");
        _completed = meter.CreateCounter<long>(RunsCompletedName, "{run}", "Generations that completed successfully.");
        _failed = meter.CreateCounter<long>(RunsFailedName, "{run}", "Generations that failed, including stall timeouts.");
        _cancelled = meter.CreateCounter<long>(RunsCancelledName, "{run}", "Generations that were cancelled.");
        _active = meter.CreateUpDownCounter<long>(ActiveRunsName, "{run}", "Generations running now.");
        _queued = meter.CreateUpDownCounter<long>(QueuedRunsName, "{run}", "Generations waiting for a run slot.");
        _runDuration = meter.CreateHistogram<double>(RunDurationName, "s", "Duration of generations from start to their terminal event.");
        _phaseDuration = meter.CreateHistogram<double>(PhaseDurationName, "s", "Duration of a phase, from its start to its files being saved.");
        _tokens = meter.CreateCounter<long>(TokensName, "{token}", "Model tokens that generators reported spending, by token type (input or output).");
    }

    public Meter Meter { get; }

    public void RunQueued() => _queued.Add(1);

    public void RunDequeued() => _queued.Add(-1);

    public void RunStarted(string generationMode)
    {
        var tags = new TagList { { "generation.mode", generationMode } };
        _started.Add(1, tags);
        _active.Add(1, tags);
    }

    public void RunEnded(string generationMode, string status, string stage, TimeSpan duration)
    {
        var tags = new TagList { { "generation.mode", generationMode } };
        _active.Add(-1, tags);
        var counter = status switch
        {
            Events.GenerationStatus.Completed => _completed,
            Events.GenerationStatus.Failed => _failed,
            _ => _cancelled,
        };
        var outcome = new TagList { { "generation.mode", generationMode }, { "generation.stage", stage } };
        counter.Add(1, outcome);
        _runDuration.Record(duration.TotalSeconds, new TagList { { "generation.mode", generationMode }, { "generation.status", status } });
    }

    public void PhaseSaved(string phaseKind, TimeSpan duration) =>
        _phaseDuration.Record(duration.TotalSeconds, new TagList { { "phase.kind", phaseKind } });

    public void TokensUsed(string generationMode, long inputTokens, long outputTokens)
    {
        _tokens.Add(inputTokens, new TagList { { "generation.mode", generationMode }, { "token.type", "input" } });
        _tokens.Add(outputTokens, new TagList { { "generation.mode", generationMode }, { "token.type", "output" } });
    }

    public void Dispose() => _ownedMeter?.Dispose();
}
