namespace Iteration.Streaming.Contracts;

/// <summary>
/// A page of the caller's generations, newest first (<c>GET {prefix}?owner=me&amp;limit=&amp;cursor=</c>).
/// </summary>
public sealed record GenerationList
{
    /// <summary>How many characters of a prompt an item shows.</summary>
    public const int PromptPreviewLength = 200;

    /// <summary>The generations on this page, newest first.</summary>
    public required IReadOnlyList<GenerationListItem> Generations { get; init; }

    /// <summary>The opaque cursor of the next page (pass it as <c>cursor</c>); absent on the last page.</summary>
    public string? NextCursor { get; init; }
}
