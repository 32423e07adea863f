namespace Iteration.Streaming.Generation;

/// <summary>What <see cref="IResumablePhaseGenerator.PrepareResumeAsync"/> decided.</summary>
public sealed class PhaseResumeDecision
{
    private PhaseResumeDecision(bool continues, string? reason)
    {
        Continues = continues;
        Reason = reason;
    }

    /// <summary>The phase continues from its checkpoint.</summary>
    public static PhaseResumeDecision Continue { get; } = new(continues: true, reason: null);

    /// <summary>Whether the phase continues from its checkpoint.</summary>
    public bool Continues { get; }

    /// <summary>Why the phase is generated again, shown in the <c>resumed</c> message and the log; <see langword="null"/> when it continues.</summary>
    public string? Reason { get; }

    /// <summary>The phase is generated again from its start.</summary>
    /// <param name="reason">Why, in words a user can read (such as "the model's response expired"); no secrets, no content.</param>
    /// <returns>The decision.</returns>
    public static PhaseResumeDecision Restart(string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new PhaseResumeDecision(continues: false, reason);
    }
}
