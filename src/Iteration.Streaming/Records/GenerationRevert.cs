namespace Iteration.Streaming.Records;

/// <summary>What a revert restores: its paths, as they were in <see cref="To"/> (the parent's phase, or another generation).</summary>
public sealed record GenerationRevert
{
    /// <summary>The state the paths are restored from: a generation id, or <c>phase:{k}</c> of the parent.</summary>
    public required string To { get; init; }

    /// <summary>The paths, ordered (ordinal), each once.</summary>
    public required IReadOnlyList<string> Paths { get; init; }
}
