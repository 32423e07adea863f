namespace Iteration.Streaming.Contracts;

/// <summary>
/// The body of <c>POST {prefix}/{id}/revert</c>: a new iteration of <c>{id}</c> whose files are <c>{id}</c>'s except
/// <see cref="Paths"/>, which are restored as they were in <see cref="To"/> (deleted where they did not exist there). No
/// generator is called.
/// </summary>
public sealed record RevertGenerationRequest
{
    /// <summary>The paths to restore, as the manifests list them; each once.</summary>
    public IReadOnlyList<string>? Paths { get; init; }

    /// <summary>
    /// The state to restore them from: another generation's id (its files as they are now), or <c>phase:{k}</c> (the
    /// files of <c>{id}</c> after its phase <c>k</c> was saved; <c>phase:0</c> is what it started from).
    /// </summary>
    public string? To { get; init; }
}
