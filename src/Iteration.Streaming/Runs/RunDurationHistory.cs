namespace Iteration.Streaming.Runs;

/// <summary>
/// The pace of earlier runs in this process, as a moving average of seconds per unit of planned size over the phases
/// they ran. Gives a new run an estimate before its own first phase is measured.
/// </summary>
internal sealed class RunDurationHistory
{
    private const double Smoothing = 0.3;
    private readonly Lock _gate = new();
    private double? _secondsPerWeight;

    /// <summary>Seconds per unit of planned size, or <see langword="null"/> before any run was recorded.</summary>
    public double? SecondsPerWeight
    {
        get
        {
            lock (_gate)
            {
                return _secondsPerWeight;
            }
        }
    }

    /// <summary>Records the phase time of one run attempt and the planned size of the phases it ran.</summary>
    public void Record(double phaseSeconds, double plannedWeight)
    {
        if (phaseSeconds <= 0 || plannedWeight <= 0 || double.IsNaN(phaseSeconds) || double.IsInfinity(phaseSeconds))
        {
            return;
        }

        lock (_gate)
        {
            var sample = phaseSeconds / plannedWeight;
            _secondsPerWeight = _secondsPerWeight is { } value ? value + (Smoothing * (sample - value)) : sample;
        }
    }
}
