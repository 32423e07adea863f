using System.Globalization;
using System.Text;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Diffs;

/// <summary>
/// Writes a <see cref="GenerationDiff"/> as one patch that <c>git apply</c> accepts (the answer of
/// <c>GET {prefix}/{id}/diff</c> with <c>Accept: text/x-diff</c>): every file's unified diff in path order, after a
/// preamble (which <c>git apply</c> ignores) naming the changed files left out and why.
/// </summary>
/// <remarks>
/// The preamble is <c>#</c> comment lines: what was compared with what, the counts, and each changed file without a
/// line diff with its reason (one of <see cref="DiffSkipReasons"/>). Paths, there and in the file diffs, are written as
/// <c>git diff</c> writes them (quoted, with octal escapes, when not plain ASCII), so no value can end a comment line
/// early. A diff where no file has a line diff writes the preamble alone, which <c>git apply</c> refuses as
/// <c>No valid patches in input</c> unless given <c>--allow-empty</c> (git 2.35 and later).
/// </remarks>
public static class GenerationPatch
{
    /// <summary>Writes the patch.</summary>
    /// <param name="diff">The diff.</param>
    /// <param name="writer">Where to write it (UTF-8 text, <c>\n</c> line ends).</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes when the patch is written.</returns>
    public static async Task WriteAsync(GenerationDiff diff, TextWriter writer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(diff);
        ArgumentNullException.ThrowIfNull(writer);

        await writer.WriteAsync(Preamble(diff).AsMemory(), cancellationToken).ConfigureAwait(false);
        foreach (var file in diff.Files)
        {
            if (!string.IsNullOrEmpty(file.Diff))
            {
                await writer.WriteAsync(file.Diff.AsMemory(), cancellationToken).ConfigureAwait(false);
            }
        }

        await writer.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    private static string Preamble(GenerationDiff diff)
    {
        var summary = diff.Summary;
        var text = new StringBuilder("# Changes of generation ");
        GitPath.AppendName(text, string.Empty, diff.GenerationId).Append(" against ");
        GitPath.AppendName(text, string.Empty, diff.Against);
        if (!string.Equals(diff.Against, diff.AgainstGenerationId, StringComparison.Ordinal))
        {
            GitPath.AppendName(text.Append(" (generation "), string.Empty, diff.AgainstGenerationId).Append(')');
        }

        text.Append(CultureInfo.InvariantCulture, $"\n# {summary.Added} added, {summary.Modified} modified, {summary.Deleted} deleted, {summary.Unchanged} unchanged; {summary.AddedLines} lines added, {summary.DeletedLines} deleted\n");

        var leftOut = diff.Files.Where(f => !string.Equals(f.Change, FileChangeKinds.Unchanged, StringComparison.Ordinal) && string.IsNullOrEmpty(f.Diff)).ToList();
        if (leftOut.Count > 0)
        {
            var limits = diff.Limits;
            text.Append(CultureInfo.InvariantCulture, $"# Not in this patch: {leftOut.Count} changed {(leftOut.Count == 1 ? "file" : "files")} (limits: {limits.MaxFiles} files, {limits.MaxFileBytes} bytes a file, {limits.MaxTotalBytes} bytes in all)\n");
            foreach (var file in leftOut)
            {
                text.Append("#   ");
                GitPath.AppendName(text, string.Empty, file.Skipped ?? "no_diff").Append(' ');
                GitPath.AppendName(text, string.Empty, file.Change).Append(' ');
                GitPath.AppendName(text, string.Empty, file.Path).Append('\n');
            }
        }

        return text.ToString();
    }
}
