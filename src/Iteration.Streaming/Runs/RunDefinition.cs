using Iteration.Streaming.Records;

namespace Iteration.Streaming.Runs;

/// <summary>What a run generates: a validated request, with an iteration's parent and a retry's source resolved.</summary>
internal sealed record RunDefinition(string Prompt, string? ModificationPrompt, string? ParentGenerationId, IReadOnlyList<string> Entities)
{
    /// <summary>For a retry, the generation whose saved phases it reuses.</summary>
    public string? RetryOf { get; init; }

    public string? UserId { get; init; }

    /// <summary>The budget the run is held to, after the host's cap (recorded with the generation).</summary>
    public Contracts.GenerationBudget? Budget { get; init; }

    public static RunDefinition From(GenerationRecord record) =>
        new(record.Prompt, record.ModificationPrompt, record.ParentGenerationId, record.Entities) { RetryOf = record.RetryOf, UserId = record.UserId, Budget = record.Budget };
}
