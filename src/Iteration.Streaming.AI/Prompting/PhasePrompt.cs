using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Prompting;

/// <summary>The messages of one phase's request, and what went into them (for the log).</summary>
internal sealed record PhasePrompt(IReadOnlyList<ChatMessage> Messages, int Length, int IncludedFiles, int SavedFiles);
