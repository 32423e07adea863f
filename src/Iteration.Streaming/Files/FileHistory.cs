using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Files;

/// <summary>
/// A generation's saved states, as deltas: the files it started with (phase 0) and what each save changed. Every
/// <see cref="IFileSink"/> that keeps history stores it beside the manifest and updates both in one write, so
/// <see cref="StateAt"/> of the last phase always equals the manifest. Content is shared, never copied: the history names
/// content by hash, and a sink keeps every content a history names.
/// </summary>
public sealed class FileHistory
{
    private HashSet<string>? _hashes;

    /// <summary>Creates a history from its entries (as a sink reads them back).</summary>
    /// <param name="entries">The entries, phases not decreasing.</param>
    /// <param name="startPhase">The phase the generation started after (its own saves come later); see <see cref="StartPhase"/>.</param>
    /// <exception cref="ArgumentException">The entries are not well formed (see <see cref="IsWellFormed"/>).</exception>
    public FileHistory(IReadOnlyList<FileHistoryEntry> entries, int startPhase = 0)
    {
        if (!IsWellFormed(entries) || startPhase < 0)
        {
            throw new ArgumentException("The file history is malformed: phases must not decrease and every entry's files must be well formed.", nameof(entries));
        }

        Entries = entries;
        StartPhase = startPhase;
    }

    /// <summary>The history of a generation that has saved nothing and started with no files.</summary>
    public static FileHistory Empty { get; } = new([new FileHistoryEntry { Phase = 0, Written = [] }]);

    /// <summary>The entries, in the order they were saved.</summary>
    public IReadOnlyList<FileHistoryEntry> Entries { get; }

    /// <summary>
    /// The phase whose state the generation started from: 0 for a new generation or an iteration, the kept phase for a
    /// fork or a retry (the entries up to it are its source's).
    /// </summary>
    public int StartPhase { get; }

    /// <summary>The phases with a saved state, ascending (0 included when known).</summary>
    public IReadOnlyList<int> SavedPhases => Entries.Select(static e => e.Phase).Distinct().ToArray();

    /// <summary>The last phase saved (0 when none).</summary>
    public int LastPhase => Entries.Count == 0 ? 0 : Entries[^1].Phase;

    /// <summary>Whether <paramref name="phase"/> has a saved state.</summary>
    /// <param name="phase">The phase.</param>
    /// <returns><see langword="true"/> when an entry belongs to it.</returns>
    public bool HasPhase(int phase) => Entries.Any(e => e.Phase == phase);

    /// <summary>Every content hash the history names (a sink keeps these).</summary>
    public IReadOnlyCollection<string> ContentHashes => _hashes ??= Entries.SelectMany(static e => e.Written).Select(static f => f.Sha256).ToHashSet(StringComparer.Ordinal);

    /// <summary>Whether <paramref name="sha256"/> is content of one of the states.</summary>
    /// <param name="sha256">A lowercase hex SHA-256.</param>
    /// <returns><see langword="true"/> when a state names it.</returns>
    public bool Names(string sha256) => ContentHashes.Contains(sha256);

    /// <summary>The files as they were once every save of <paramref name="phase"/> (and before) was made, or <see langword="null"/> when that phase has no saved state.</summary>
    /// <param name="phase">The phase (0: what the generation started with).</param>
    /// <returns>The files, ordered by path (ordinal).</returns>
    public IReadOnlyList<GenerationFile>? StateAt(int phase)
    {
        if (!HasPhase(phase))
        {
            return null;
        }

        var files = new SortedDictionary<string, GenerationFile>(StringComparer.Ordinal);
        foreach (var entry in Entries)
        {
            if (entry.Phase > phase)
            {
                break;
            }

            foreach (var path in entry.Deleted)
            {
                files.Remove(path);
            }

            foreach (var file in entry.Written)
            {
                files[file.Path] = file;
            }
        }

        return [.. files.Values];
    }

    /// <summary>The history up to and including <paramref name="phase"/>, started after it (for a fork or retry that keeps those phases).</summary>
    /// <param name="phase">The last phase kept.</param>
    /// <returns>The shorter history.</returns>
    public FileHistory Through(int phase) => new([.. Entries.Where(e => e.Phase <= phase)], phase);

    /// <summary>This history with one more save: the difference between <paramref name="before"/> and <paramref name="after"/>.</summary>
    /// <param name="phase">The phase of the save. A save for a phase before <see cref="LastPhase"/> (the engine never makes one) is recorded under <see cref="LastPhase"/>, so a save never fails for its history.</param>
    /// <param name="before">The files before the save (ordered by path).</param>
    /// <param name="after">The files after it (ordered by path).</param>
    /// <returns>The longer history (an entry is added even when nothing changed, so the phase reads as saved).</returns>
    public FileHistory Append(int phase, IReadOnlyList<GenerationFile> before, IReadOnlyList<GenerationFile> after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        phase = Math.Max(phase, LastPhase);

        var old = before.ToDictionary(static f => f.Path, StringComparer.Ordinal);
        var written = new List<GenerationFile>();
        foreach (var file in after)
        {
            if (!old.Remove(file.Path, out var was) || !SameSave(was, file))
            {
                written.Add(file);
            }
        }

        var deleted = old.Keys.Order(StringComparer.Ordinal).ToArray();
        return new FileHistory([.. Entries, new FileHistoryEntry { Phase = phase, Written = written, Deleted = deleted }], StartPhase);
    }

    /// <summary>A history for files saved before history was kept: only their present state is known, as of <paramref name="phase"/>.</summary>
    /// <param name="files">The files as the manifest lists them.</param>
    /// <param name="phase">The phase they stand at (the highest phase a file names, when unknown).</param>
    /// <returns>A one-entry history.</returns>
    public static FileHistory FromPresent(IReadOnlyList<GenerationFile> files, int? phase = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        var at = phase ?? (files.Count == 0 ? 0 : files.Max(static f => f.Phase));
        return new FileHistory([new FileHistoryEntry { Phase = Math.Max(at, 0), Written = files }], Math.Max(at, 0));
    }

    /// <summary>Whether entries read back from storage can be trusted: phases not negative nor decreasing, and every file list well formed.</summary>
    /// <param name="entries">The stored entries.</param>
    /// <returns><see langword="true"/> when well formed.</returns>
    public static bool IsWellFormed(IReadOnlyList<FileHistoryEntry>? entries)
    {
        if (entries is null)
        {
            return false;
        }

        var last = 0;
        foreach (var entry in entries)
        {
            if (entry is null || entry.Phase < last || entry.Deleted is null || !FileManifestChanges.IsWellFormed(entry.Written)
                || entry.Deleted.Any(static path => FilePathValidator.FindStoredProblem(path, FileManifestChanges.StoredPathLimit) is not null))
            {
                return false;
            }

            last = entry.Phase;
        }

        return true;
    }

    private static bool SameSave(GenerationFile a, GenerationFile b) =>
        string.Equals(a.Sha256, b.Sha256, StringComparison.Ordinal) && a.Phase == b.Phase && a.Size == b.Size
        && string.Equals(a.WrittenBy, b.WrittenBy, StringComparison.Ordinal);
}
