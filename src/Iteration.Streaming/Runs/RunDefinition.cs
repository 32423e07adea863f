using Iteration.Streaming.Records;

namespace Iteration.Streaming.Runs;

/// <summary>What a run generates: a validated request, with an iteration's parent and a retry's source resolved.</summary>
internal sealed record RunDefinition(string Prompt, string? ModificationPrompt, string? ParentGenerationId, IReadOnlyList<string> Entities)
{
    /// <summary>For a retry, the generation whose saved phases it reuses.</summary>
    public string? RetryOf { get; init; }

    /// <summary>For a fork, the generation whose phases it keeps (the source record passed to admission says how many).</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>For a revert: what it restores (its plan is one phase, run without the generator).</summary>
    public GenerationRevert? Revert { get; init; }

    /// <summary>A plan fixed at admission (a revert's), recorded with the generation; otherwise the planner makes one.</summary>
    public IReadOnlyList<Generation.PlannedPhase>? Plan { get; init; }

    public string? UserId { get; init; }

    /// <summary>The budget the run is held to, after the host's cap (recorded with the generation).</summary>
    public Contracts.GenerationBudget? Budget { get; init; }

    public static RunDefinition From(GenerationRecord record) =>
        new(record.Prompt, record.ModificationPrompt, record.ParentGenerationId, record.Entities)
        {
            RetryOf = record.RetryOf,
            ForkedFrom = record.ForkedFrom,
            Revert = record.Revert,
            UserId = record.UserId,
            Budget = record.Budget,
        };
}
