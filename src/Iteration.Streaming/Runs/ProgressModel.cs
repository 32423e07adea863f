using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs;

/// <summary>
/// Maps a run's position to progress in the bands of the wire contract: 0–0.05 before the phases, 0.05–0.95 the
/// phases weighted by their planned size, 0.95–0.98 file management, 0.98–1.0 quality assessment, completed exactly 1.0.
/// </summary>
/// <remarks>
/// Values are rounded to 4 decimals (a monotone rounding, so order is kept) and the run clamps each event to the
/// highest value it sent, so progress never goes backwards even when a generator yields more files than planned.
/// </remarks>
internal sealed class ProgressModel
{
    public const double Queued = 0.0;
    public const double Initializing = 0.01;
    public const double CodeGeneration = 0.03;
    public const double PhasesStart = 0.05;
    public const double PhasesEnd = 0.95;
    public const double FileManagement = 0.97;
    public const double Validation = 0.97;
    public const double QualityAssessment = 0.99;
    public const double Completed = 1.0;

    private readonly double[] _bounds;

    public ProgressModel(IReadOnlyList<PlannedPhase> plan)
    {
        _bounds = new double[plan.Count + 1];
        var total = 0.0;
        foreach (var phase in plan)
        {
            total += Weight(phase);
        }

        var cumulative = 0.0;
        _bounds[0] = PhasesStart;
        for (var i = 0; i < plan.Count; i++)
        {
            cumulative += Weight(plan[i]);
            _bounds[i + 1] = i == plan.Count - 1 ? PhasesEnd : Round(PhasesStart + ((PhasesEnd - PhasesStart) * cumulative / total));
        }
    }

    public static double Round(double progress) => Math.Round(Math.Clamp(progress, 0.0, 1.0), 4);

    public double PhaseStarted(int index) => _bounds[index];

    /// <summary>After <paramref name="files"/> files of a phase: approaches the phase's end without reaching it.</summary>
    public double PhaseFile(int index, int files, int estimatedFiles)
    {
        var start = _bounds[index];
        var end = _bounds[index + 1];
        return Round(start + ((end - start) * files / (Math.Max(estimatedFiles, files) + 1.0)));
    }

    public double PhaseCompleted(int index) => _bounds[index + 1];

    /// <summary>A phase's planned size: its estimated file count, at least 1.</summary>
    public static double Weight(PlannedPhase phase) => Math.Max(1, phase.EstimatedFileCount);
}
