namespace Iteration.Streaming.Engine;

/// <summary>
/// The storage's write health as this instance sees it: the engine reports every write of a run or an admission that
/// storage refused, the health checks report their probes' writes. A part is failing from a failure until a later write
/// succeeds. Registered as a singleton by <c>AddIterationStreaming</c>.
/// </summary>
/// <remarks>
/// Health checks may be polled often; <see cref="TryStartProbe"/> lets a probe write at most once per
/// <see cref="ProbeInterval"/> per part (on the <see cref="TimeProvider"/>), and the checks answer from
/// <see cref="GetStatus"/> in between.
/// </remarks>
public sealed class GenerationStorageHealth
{
    /// <summary>The least time between two probe writes into one part.</summary>
    public static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(10);

    private readonly TimeProvider _timeProvider;
    private readonly Lock _gate = new();
    private readonly PartState[] _parts = [new(), new()];

    /// <summary>Creates the monitor.</summary>
    /// <param name="timeProvider">The clock of the failure times and the probe interval.</param>
    public GenerationStorageHealth(TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(timeProvider);
        _timeProvider = timeProvider;
    }

    /// <summary>Reports a write that storage refused.</summary>
    /// <param name="part">Where the write went.</param>
    public void ReportFailure(GenerationStoragePart part)
    {
        var state = Part(part);
        lock (_gate)
        {
            state.Failures++;
            state.LastFailureAt = _timeProvider.GetUtcNow();
            state.Failing = true;
        }
    }

    /// <summary>Reports a write that succeeded (a probe's): the part is not failing any more.</summary>
    /// <param name="part">Where the write went.</param>
    public void ReportSuccess(GenerationStoragePart part)
    {
        var state = Part(part);
        lock (_gate)
        {
            state.LastSuccessAt = _timeProvider.GetUtcNow();
            state.Failing = false;
        }
    }

    /// <summary>
    /// Returns <see langword="true"/>, and starts the interval, when no probe wrote into <paramref name="part"/> for
    /// <see cref="ProbeInterval"/>; <see langword="false"/> when the caller should answer from <see cref="GetStatus"/>.
    /// </summary>
    /// <param name="part">The part to probe.</param>
    /// <returns>Whether to write a probe now.</returns>
    public bool TryStartProbe(GenerationStoragePart part)
    {
        var state = Part(part);
        var now = _timeProvider.GetUtcNow();
        lock (_gate)
        {
            if (state.LastProbeAt is { } last && now - last < ProbeInterval)
            {
                return false;
            }

            state.LastProbeAt = now;
            return true;
        }
    }

    /// <summary>Returns what is known of <paramref name="part"/>'s writes.</summary>
    /// <param name="part">The part.</param>
    /// <returns>The status.</returns>
    public GenerationStorageStatus GetStatus(GenerationStoragePart part)
    {
        var state = Part(part);
        lock (_gate)
        {
            return new GenerationStorageStatus(state.Failing, state.Failures, state.LastFailureAt, state.LastSuccessAt);
        }
    }

    private PartState Part(GenerationStoragePart part) =>
        part is GenerationStoragePart.Records or GenerationStoragePart.Files
            ? _parts[(int)part]
            : throw new ArgumentOutOfRangeException(nameof(part), part, "Unknown storage part.");

    private sealed class PartState
    {
        public long Failures { get; set; }

        public DateTimeOffset? LastFailureAt { get; set; }

        public DateTimeOffset? LastSuccessAt { get; set; }

        public DateTimeOffset? LastProbeAt { get; set; }

        public bool Failing { get; set; }
    }
}
