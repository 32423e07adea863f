namespace Iteration.Streaming.Diffs;

/// <summary>One file's unified diff (with its <c>diff --git</c> header) and its line counts.</summary>
internal sealed record UnifiedFileDiff(string Text, int AddedLines, int DeletedLines);
