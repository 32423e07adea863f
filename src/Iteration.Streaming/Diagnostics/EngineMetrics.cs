using System.Diagnostics;
using System.Diagnostics.Metrics;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Diagnostics;

/// <summary>
/// The engine's instruments on the <see cref="IterationStreamingTelemetry.MeterName"/> meter: created through
/// <see cref="IMeterFactory"/> when the host registered one (so they are scoped to its container), otherwise on a meter
/// this class owns. Outcomes are one instrument attributed with the status, not one counter per status.
/// </summary>
internal sealed class EngineMetrics : IDisposable
{
    public const string RunsStartedName = "iteration.streaming.runs.started";
    public const string RunsEndedName = "iteration.streaming.runs.ended";
    public const string ActiveRunsName = "iteration.streaming.runs.active";
    public const string QueuedRunsName = "iteration.streaming.runs.queued";
    public const string RunDurationName = "iteration.streaming.run.duration";
    public const string PhaseDurationName = "iteration.streaming.phase.duration";
    public const string TokensName = "iteration.streaming.tokens";
    public const string CostName = "iteration.streaming.cost";
    public const string AutoRetriesName = "iteration.streaming.runs.retried";

    // Runs take minutes (the guide's example ~2 min); phases seconds to a minute.
    private static readonly double[] RunBuckets = [1, 5, 10, 30, 60, 120, 180, 300, 600, 1_200, 1_800, 3_600];
    private static readonly double[] PhaseBuckets = [0.1, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 300];

    private readonly Meter? _ownedMeter;
    private readonly Counter<long> _started;
    private readonly Counter<long> _ended;
    private readonly UpDownCounter<long> _active;
    private readonly UpDownCounter<long> _queued;
    private readonly Histogram<double> _runDuration;
    private readonly Histogram<double> _phaseDuration;
    private readonly Counter<long> _tokens;
    private readonly Counter<double> _cost;
    private readonly Counter<long> _retried;

    public EngineMetrics(IMeterFactory? meterFactory = null)
    {
        Meter meter;
        if (meterFactory is null)
        {
            meter = _ownedMeter = new Meter(IterationStreamingTelemetry.MeterName);
        }
        else
        {
            meter = meterFactory.Create(IterationStreamingTelemetry.MeterName);
        }

        Meter = meter;
        _started = meter.CreateCounter<long>(RunsStartedName, "{run}", "Generations that started running (a resumed run counts again).");
        _ended = meter.CreateCounter<long>(
            RunsEndedName, "{run}", "Generations that ended, by status: completed, failed (error.type: error or timeout), cancelled, or interrupted to resume later.");
        _active = meter.CreateUpDownCounter<long>(ActiveRunsName, "{run}", "Generations running now.");
        _queued = meter.CreateUpDownCounter<long>(QueuedRunsName, "{run}", "Generations waiting for a run slot.");
        _runDuration = meter.CreateHistogram(
            RunDurationName, "s", "Duration of generations from start to their end, by status.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = RunBuckets });
        _phaseDuration = meter.CreateHistogram(
            PhaseDurationName, "s", "Duration of a phase, from its start to its files being saved.", tags: null, new InstrumentAdvice<double> { HistogramBucketBoundaries = PhaseBuckets });
        _tokens = meter.CreateCounter<long>(TokensName, "{token}", "Model tokens that generators reported spending, by gen_ai.token.type (input or output).");
        _cost = meter.CreateCounter<double>(CostName, "{currency}", "What saved phases' tokens cost at the host's price table (Budgets:Prices), by currency.");
        _retried = meter.CreateCounter<long>(AutoRetriesName, "{run}", "Automatic retries of transient failures scheduled, by error.type (the cause).");
    }

    public Meter Meter { get; }

    public void RunQueued() => _queued.Add(1);

    public void RunDequeued() => _queued.Add(-1);

    public void RunStarted(string generationMode)
    {
        var tags = new TagList { { TelemetryTags.GenerationMode, generationMode } };
        _started.Add(1, tags);
        _active.Add(1, tags);
    }

    /// <summary>A run ended: <paramref name="status"/> is its terminal status, or <c>processing</c> when it was interrupted.</summary>
    public void RunEnded(string generationMode, string status, string stage, TimeSpan duration)
    {
        _active.Add(-1, new TagList { { TelemetryTags.GenerationMode, generationMode } });
        var outcome = new TagList
        {
            { TelemetryTags.GenerationMode, generationMode },
            { TelemetryTags.GenerationStatus, status is GenerationStatus.Completed or GenerationStatus.Failed or GenerationStatus.Cancelled ? status : TelemetryTags.Interrupted },
        };
        if (status == GenerationStatus.Failed)
        {
            outcome.Add(TelemetryTags.ErrorType, stage);
        }

        _ended.Add(1, outcome);
        _runDuration.Record(duration.TotalSeconds, outcome);
    }

    public void PhaseSaved(string phaseKind, TimeSpan duration) =>
        _phaseDuration.Record(duration.TotalSeconds, new TagList { { TelemetryTags.PhaseKind, phaseKind } });

    public void TokensUsed(string generationMode, long inputTokens, long outputTokens)
    {
        if (inputTokens > 0)
        {
            _tokens.Add(inputTokens, new TagList { { TelemetryTags.GenerationMode, generationMode }, { TelemetryTags.TokenType, "input" } });
        }

        if (outputTokens > 0)
        {
            _tokens.Add(outputTokens, new TagList { { TelemetryTags.GenerationMode, generationMode }, { TelemetryTags.TokenType, "output" } });
        }
    }

    public void CostIncurred(string generationMode, decimal amount, string currency)
    {
        if (amount > 0)
        {
            _cost.Add((double)amount, new TagList { { TelemetryTags.GenerationMode, generationMode }, { TelemetryTags.Currency, currency } });
        }
    }

    public void RetryScheduled(string generationMode, string cause) =>
        _retried.Add(1, new TagList { { TelemetryTags.GenerationMode, generationMode }, { TelemetryTags.ErrorType, cause } });

    public void Dispose() => _ownedMeter?.Dispose();
}
