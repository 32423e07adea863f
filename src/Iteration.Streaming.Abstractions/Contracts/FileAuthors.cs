namespace Iteration.Streaming.Contracts;

/// <summary>The values of <see cref="GenerationFile.WrittenBy"/>.</summary>
public static class FileAuthors
{
    /// <summary>The user wrote the file (an <c>edit_files</c> input at a review gate).</summary>
    public const string User = "user";
}
