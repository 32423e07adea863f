namespace Iteration.Streaming.Contracts;

/// <summary>One generation in <c>GET {prefix}?owner=me</c>.</summary>
public sealed record GenerationListItem
{
    /// <summary>The generation's id.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The prompt, cut to <see cref="GenerationList.PromptPreviewLength"/> characters (with an ellipsis when cut).</summary>
    public required string Prompt { get; init; }

    /// <summary>The status now (a <c>GenerationStatus</c> value).</summary>
    public required string Status { get; init; }

    /// <summary>The stage of its latest event.</summary>
    public string? Stage { get; init; }

    /// <summary>The progress of its latest event, 0.0 to 1.0 (the scale of the events' <c>progress</c>).</summary>
    public double Progress { get; init; }

    /// <summary>When it was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When it ended, once it has.</summary>
    public DateTimeOffset? EndedAt { get; init; }

    /// <summary>The generation it iterates on, when it is an iteration.</summary>
    public string? ParentGenerationId { get; init; }

    /// <summary>The generation it retries, when it is a retry.</summary>
    public string? RetryOf { get; init; }

    /// <summary>For a fork: the generation whose phases it kept.</summary>
    public string? ForkedFrom { get; init; }

    /// <summary>For a fork: the last phase of <see cref="ForkedFrom"/> it kept.</summary>
    public int? FromPhase { get; init; }

    /// <summary>How many files it has saved.</summary>
    public int FileCount { get; init; }

    /// <summary>The tokens it spent so far (saved phases, and phases lost to failures).</summary>
    public GenerationUsage? Usage { get; init; }

    /// <summary>What those tokens cost, when the host has a price table.</summary>
    public GenerationCost? Cost { get; init; }

    /// <summary>Its budget, when it has one.</summary>
    public GenerationBudget? Budget { get; init; }
}
