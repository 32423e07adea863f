using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs;

/// <summary>
/// The seconds left in one run, from the phases still to run: their planned size times the pace (seconds per unit of
/// planned size) measured on phases that ran, in this attempt or an earlier one of the same work (read from the log when
/// a run resumes, or from the old generation's log when a retry keeps its phases). Never from the wall time since this
/// process picked the run up, so a resumed or retried run does not look almost done.
/// </summary>
/// <remarks>
/// Before any phase has a measured duration, the pace comes from earlier runs of this process
/// (<see cref="RunDurationHistory"/>), else from the phase being written (time spent per file so far). Within the
/// current phase, the time its planned size should take minus the time spent is blended with its own file pace, trusting
/// the file pace more as files arrive. Before the plan exists there is no estimate: the run's size is not known yet, and
/// a guess from other runs' lengths would jump at the plan event.
/// </remarks>
internal sealed class RunEstimate
{
    private readonly double[] _weights;
    private readonly double? _historicPace;
    private readonly Lock _gate = new();
    private double _measuredSeconds;
    private double _measuredWeight;
    private double _attemptSeconds;
    private double _attemptWeight;
    private int _next;
    private int _current = -1;
    private long _currentStarted;
    private double _currentFraction;

    /// <param name="plan">The run's phases.</param>
    /// <param name="phasesSaved">How many phases are saved already (the run continues with the next one).</param>
    /// <param name="earlier">Measured durations of phases that ran in an earlier attempt, by phase number.</param>
    /// <param name="historicPace">Seconds per unit of planned size of earlier runs in this process, if any.</param>
    public RunEstimate(IReadOnlyList<PlannedPhase> plan, int phasesSaved, IReadOnlyDictionary<int, TimeSpan>? earlier, double? historicPace)
    {
        _weights = new double[plan.Count];
        for (var i = 0; i < plan.Count; i++)
        {
            _weights[i] = ProgressModel.Weight(plan[i]);
            if (earlier is not null && earlier.TryGetValue(plan[i].Number, out var duration) && duration > TimeSpan.Zero)
            {
                _measuredSeconds += duration.TotalSeconds;
                _measuredWeight += _weights[i];
            }
        }

        _next = Math.Clamp(phasesSaved, 0, plan.Count);
        _historicPace = historicPace is > 0 ? historicPace : null;
    }

    /// <summary>Phase time and planned size measured in this attempt only, for <see cref="RunDurationHistory"/>.</summary>
    public (double Seconds, double Weight) MeasuredThisAttempt
    {
        get
        {
            lock (_gate)
            {
                return (_attemptSeconds, _attemptWeight);
            }
        }
    }

    public void PhaseStarted(int index, long timestamp)
    {
        lock (_gate)
        {
            _current = index;
            _currentStarted = timestamp;
            _currentFraction = 0;
        }
    }

    /// <summary>The share of the current phase done, from its files so far against its planned file count.</summary>
    public void PhaseProgressed(int index, int files, int estimatedFiles)
    {
        lock (_gate)
        {
            if (index == _current)
            {
                _currentFraction = files / (Math.Max(estimatedFiles, files) + 1.0);
            }
        }
    }

    public void PhaseCompleted(int index, TimeSpan duration)
    {
        lock (_gate)
        {
            if (duration > TimeSpan.Zero)
            {
                _measuredSeconds += duration.TotalSeconds;
                _measuredWeight += _weights[index];
                _attemptSeconds += duration.TotalSeconds;
                _attemptWeight += _weights[index];
            }

            _next = Math.Max(_next, index + 1);
            if (_current == index)
            {
                _current = -1;
            }
        }
    }

    /// <summary>The seconds left, rounded to 0.1 s; <see langword="null"/> while no pace is known.</summary>
    public double? Remaining(TimeProvider timeProvider)
    {
        lock (_gate)
        {
            var inPhase = _current >= 0 ? timeProvider.GetElapsedTime(_currentStarted).TotalSeconds : 0.0;
            var pace = _measuredWeight > 0 ? _measuredSeconds / _measuredWeight : _historicPace;
            if (pace is null && _current >= 0 && _currentFraction > 0 && inPhase > 0)
            {
                pace = inPhase / (_weights[_current] * _currentFraction);
            }

            if (pace is not { } secondsPerWeight)
            {
                return null;
            }

            var later = 0.0;
            for (var i = _current >= 0 ? _current + 1 : _next; i < _weights.Length; i++)
            {
                later += _weights[i];
            }

            var seconds = later * secondsPerWeight;
            if (_current >= 0)
            {
                var byPlan = Math.Max(0.0, (_weights[_current] * secondsPerWeight) - inPhase);
                var byFiles = _currentFraction > 0 ? inPhase * (1.0 - _currentFraction) / _currentFraction : byPlan;
                seconds += (_currentFraction * byFiles) + ((1.0 - _currentFraction) * byPlan);
            }

            return Math.Round(seconds, 1);
        }
    }
}
