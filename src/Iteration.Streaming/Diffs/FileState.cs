using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Diffs;

/// <summary>A generation's files as they stand now (<see cref="Phase"/> null) or after one of its saved phases.</summary>
internal sealed record FileState(string GenerationId, int? Phase, IReadOnlyList<GenerationFile> Files);
