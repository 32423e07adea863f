using Iteration.Streaming.Files;

namespace Iteration.Streaming.Generation;

/// <summary>
/// What an <see cref="IQualityAssessor"/> knows about the finished run it assesses.
/// </summary>
public sealed class QualityAssessmentContext
{
    /// <summary>The generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>For an iteration, the generation it derives from.</summary>
    public string? ParentGenerationId { get; init; }

    /// <summary>The plan that ran.</summary>
    public required IReadOnlyList<PlannedPhase> Plan { get; init; }

    /// <summary>The saved files (the manifest is complete). Read content through <see cref="IFileSink"/>.</summary>
    public required FileManifest Files { get; init; }

    /// <summary>For an iteration, its parent's files.</summary>
    public FileManifest? ParentFiles { get; init; }
}
