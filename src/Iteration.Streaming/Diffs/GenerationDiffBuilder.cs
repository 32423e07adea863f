using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Diffs;

/// <summary>
/// Compares two file states by path and content hash, then gives each changed text file within the limits a unified
/// diff. Unchanged files are never read; a changed file is read once per side, and only when it fits the limits.
/// </summary>
internal sealed class GenerationDiffBuilder(FileStates states)
{
    public async ValueTask<GenerationDiff> BuildAsync(FileState older, FileState newer, string against, GenerationDiffLimits limits, CancellationToken cancellationToken)
    {
        var files = new List<GenerationFileDiff>(Math.Max(older.Files.Count, newer.Files.Count));
        int added = 0, modified = 0, deleted = 0, unchanged = 0, addedLines = 0, deletedLines = 0, diffed = 0;
        long bytesRead = 0;
        var truncated = false;

        foreach (var (before, after) in Pair(older.Files, newer.Files))
        {
            var change = before is null ? FileChangeKinds.Added
                : after is null ? FileChangeKinds.Deleted
                : string.Equals(before.Sha256, after.Sha256, StringComparison.Ordinal) ? FileChangeKinds.Unchanged
                : FileChangeKinds.Modified;
            var entry = new GenerationFileDiff
            {
                Path = (after ?? before)!.Path,
                Change = change,
                OldSha256 = before?.Sha256,
                NewSha256 = after?.Sha256,
                OldSize = before?.Size,
                NewSize = after?.Size,
            };

            switch (change)
            {
                case FileChangeKinds.Unchanged:
                    unchanged++;
                    files.Add(entry);
                    continue;
                case FileChangeKinds.Added:
                    added++;
                    break;
                case FileChangeKinds.Deleted:
                    deleted++;
                    break;
                default:
                    modified++;
                    break;
            }

            var size = (before?.Size ?? 0) + (after?.Size ?? 0);
            string? skipped = null;
            if ((before?.Size ?? 0) > limits.MaxFileBytes || (after?.Size ?? 0) > limits.MaxFileBytes)
            {
                skipped = DiffSkipReasons.TooLarge;
            }
            else if (diffed >= limits.MaxFiles || bytesRead + size > limits.MaxTotalBytes)
            {
                skipped = DiffSkipReasons.OverLimit;
            }

            if (skipped is not null)
            {
                truncated = true;
                files.Add(entry with { Skipped = skipped });
                continue;
            }

            diffed++;
            bytesRead += size;
            var oldRead = before is null ? Text.Absent : await ReadAsync(older, before, cancellationToken).ConfigureAwait(false);
            var newRead = after is null ? Text.Absent : await ReadAsync(newer, after, cancellationToken).ConfigureAwait(false);
            if ((oldRead.Skipped ?? newRead.Skipped) is { } reason)
            {
                files.Add(entry with { Skipped = reason });
                continue;
            }

            var diff = UnifiedDiff.Create(entry.Path, oldRead.Value, newRead.Value);
            addedLines += diff.AddedLines;
            deletedLines += diff.DeletedLines;
            files.Add(entry with { AddedLines = diff.AddedLines, DeletedLines = diff.DeletedLines, Diff = diff.Text });
        }

        return new GenerationDiff
        {
            GenerationId = newer.GenerationId,
            Against = against,
            AgainstGenerationId = older.GenerationId,
            AgainstPhase = older.Phase,
            Files = files,
            Summary = new GenerationDiffSummary
            {
                Added = added,
                Modified = modified,
                Deleted = deleted,
                Unchanged = unchanged,
                AddedLines = addedLines,
                DeletedLines = deletedLines,
            },
            Truncated = truncated,
            Limits = limits,
        };
    }

    /// <summary>Walks two path-ordered lists together, pairing equal paths.</summary>
    private static IEnumerable<(GenerationFile? Before, GenerationFile? After)> Pair(IReadOnlyList<GenerationFile> older, IReadOnlyList<GenerationFile> newer)
    {
        int i = 0, j = 0;
        while (i < older.Count || j < newer.Count)
        {
            var order = i == older.Count ? 1 : j == newer.Count ? -1 : string.CompareOrdinal(older[i].Path, newer[j].Path);
            if (order == 0)
            {
                yield return (older[i++], newer[j++]);
            }
            else if (order < 0)
            {
                yield return (older[i++], null);
            }
            else
            {
                yield return (null, newer[j++]);
            }
        }
    }

    private async ValueTask<Text> ReadAsync(FileState state, GenerationFile file, CancellationToken cancellationToken)
    {
        var stream = await states.OpenAsync(state, file, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return new Text(null, DiffSkipReasons.Unavailable);
        }

        await using (stream.ConfigureAwait(false))
        {
            var buffer = new byte[file.Size];
            var read = 0;
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    return new Text(null, DiffSkipReasons.Unavailable);
                }

                read += n;
            }

            return TextContent.TryDecode(buffer, out var text) ? new Text(text, null) : new Text(null, DiffSkipReasons.Binary);
        }
    }

    private readonly record struct Text(string? Value, string? Skipped)
    {
        public static Text Absent => new(null, null);
    }
}
