namespace Iteration.Streaming.Engine;

/// <summary>
/// Durations of earlier successful runs, as moving averages: seconds per unit of planned size, and per run. Refines the
/// ETA of new runs, most at their start when elapsed time says little.
/// </summary>
internal sealed class RunDurationHistory
{
    private const double Smoothing = 0.3;
    private readonly Lock _gate = new();
    private double? _secondsPerWeight;
    private double? _secondsPerRun;

    public (double? SecondsPerWeight, double? SecondsPerRun) Current
    {
        get
        {
            lock (_gate)
            {
                return (_secondsPerWeight, _secondsPerRun);
            }
        }
    }

    public void Record(TimeSpan duration, double plannedWeight)
    {
        var seconds = duration.TotalSeconds;
        if (seconds <= 0 || plannedWeight <= 0 || double.IsNaN(seconds))
        {
            return;
        }

        lock (_gate)
        {
            _secondsPerWeight = Blend(_secondsPerWeight, seconds / plannedWeight);
            _secondsPerRun = Blend(_secondsPerRun, seconds);
        }
    }

    /// <summary>
    /// Estimates the seconds left: from elapsed time and progress, blended with history (history counts most early on).
    /// </summary>
    public double? EstimateRemaining(TimeSpan elapsed, double progress, double? plannedWeight)
    {
        var seconds = elapsed.TotalSeconds;
        double? fromElapsed = progress >= ProgressModel.PhasesStart && progress < 1.0 && seconds > 0
            ? seconds * (1.0 - progress) / progress
            : null;

        var (perWeight, perRun) = Current;
        double? expectedTotal = plannedWeight is > 0 && perWeight is { } w ? w * plannedWeight.Value : perRun;
        double? fromHistory = expectedTotal is { } total ? Math.Max(0.0, total - seconds) : null;

        var estimate = (fromElapsed, fromHistory) switch
        {
            ({ } e, { } h) => (progress * e) + ((1.0 - progress) * h),
            ({ } e, null) => e,
            (null, { } h) => h,
            _ => (double?)null,
        };

        return estimate is { } value ? Math.Round(value, 1) : null;
    }

    private static double Blend(double? average, double sample) =>
        average is { } value ? value + (Smoothing * (sample - value)) : sample;
}
