using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Diffs;

/// <summary>
/// Writes a <see cref="GenerationDiff"/> as one patch that <c>git apply</c> accepts (the answer of
/// <c>GET {prefix}/{id}/diff</c> with <c>Accept: text/x-diff</c>): every file's unified diff in path order, after a
/// preamble (which <c>git apply</c> ignores) naming the changed files left out and why.
/// </summary>
public static class GenerationPatch
{
    /// <summary>Writes the patch.</summary>
    /// <param name="diff">The diff.</param>
    /// <param name="writer">Where to write it (UTF-8 text, <c>\n</c> line ends).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the patch is written.</returns>
    public static Task WriteAsync(GenerationDiff diff, TextWriter writer, CancellationToken cancellationToken = default) =>
        throw new NotImplementedException("Written by the diffs task.");
}
