namespace Iteration.Streaming.Engine;

/// <summary>
/// A request to revert files: a new iteration of <paramref name="GenerationId"/> whose files are its files except
/// <paramref name="Paths"/>, restored as they were in <paramref name="To"/> (and deleted where they did not exist
/// there). No generator is called; the run goes through the ordinary events and ends <c>completed</c>.
/// </summary>
/// <param name="GenerationId">The generation to revert files of; it must have ended.</param>
/// <param name="Paths">The paths, as the manifests list them; each once.</param>
/// <param name="To">Another generation's id (its files now), or <c>phase:{k}</c> (this generation's files after its phase k; <c>phase:0</c>: what it started with).</param>
public sealed record RevertRequest(string GenerationId, IReadOnlyList<string> Paths, string To)
{
    /// <summary>The user asking, when the host knows one.</summary>
    public string? UserId { get; init; }
}
