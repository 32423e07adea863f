namespace Iteration.Streaming.Diffs;

/// <summary>Writes one file's change as a unified diff that <c>git apply</c> accepts (DiffPlex computes the lines).</summary>
internal static class UnifiedDiff
{
    /// <summary>The diff of <paramref name="path"/> from <paramref name="oldText"/> to <paramref name="newText"/>.</summary>
    /// <param name="path">The relative path (the same on both sides).</param>
    /// <param name="oldText">The older text; <see langword="null"/> when the file is added.</param>
    /// <param name="newText">The newer text; <see langword="null"/> when the file is deleted.</param>
    /// <returns>The diff text and counts.</returns>
    public static UnifiedFileDiff Create(string path, string? oldText, string? newText) =>
        throw new NotImplementedException("Written by the diffs task.");
}
