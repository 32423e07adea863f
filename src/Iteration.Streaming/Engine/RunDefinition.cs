namespace Iteration.Streaming.Engine;

/// <summary>What a run generates: a validated request, with an iteration's parent resolved.</summary>
internal sealed record RunDefinition(string Prompt, string? ModificationPrompt, string? ParentGenerationId, IReadOnlyList<string> Entities);
