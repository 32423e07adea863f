using System.Text.Json.Serialization;

namespace Iteration.Streaming.Contracts;

/// <summary>One file of <see cref="GenerationLive"/>.</summary>
public sealed record GenerationLiveFile
{
    /// <summary>The relative path.</summary>
    public required string Path { get; init; }

    /// <summary>
    /// The text so far (the whole text of a finished file); <see langword="null"/> for a delete, and for a finished file
    /// that is not UTF-8 text.
    /// </summary>
    public string? Text { get; init; }

    /// <summary>
    /// The length of <see cref="Text"/> in UTF-16 code units: where the next <c>partial_output</c> delta of this file
    /// starts. 0 without text.
    /// </summary>
    public int Offset { get; init; }

    /// <summary>Whether the file is finished (its content is final for this phase); <see langword="false"/> while being written.</summary>
    public bool Complete { get; init; }

    /// <summary>Whether the phase deletes this path (omitted when <see langword="false"/>).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public bool Deleted { get; init; }
}
