using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using Iteration.Streaming.Client.Live;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client;

/// <summary>
/// Rebuilds the exact text of the files a running phase is writing, from the <c>partial_output</c> deltas
/// (<c>{file, offset, text}</c>) of its <c>phase_{n}_progress</c> events: what a page shows while the model writes.
/// </summary>
/// <remarks>
/// <para>The rule (the same in the JavaScript client): a delta whose <c>offset</c> is at most the known length replaces
/// the text from there (<c>known[..offset] + text</c>: a resumed phase may repeat text after its last checkpoint, or
/// write a file again from 0); a larger offset is a <see cref="GenerationLiveTextChange.Gap"/>. <c>phase_{n}_complete</c>,
/// the start of another phase, and a <c>resumed</c> event whose phase starts again (no <c>resumed_mid_phase</c>) end
/// the texts. A continued phase (<c>resumed_mid_phase</c>, then its own <c>phase_{n}_started</c>) keeps them. Events
/// of older servers (<c>{file, chars, tail}</c> without <c>offset</c>) change nothing.</para>
/// <para>Mid-run (a page reloaded, a late watcher): <see cref="Load"/> the answer of
/// <see cref="IterationClient.GetLiveAsync(GenerationHandle, CancellationToken)"/>, then apply the events of
/// <see cref="IterationClient.WatchAsync(GenerationHandle, long, CancellationToken)"/> from its
/// <see cref="GenerationLive.Sequence"/>. Offsets and lengths are UTF-16 code units. Not thread-safe.</para>
/// </remarks>
public sealed class GenerationLiveText
{
    private readonly Dictionary<string, LiveFile> _files = new(StringComparer.Ordinal);
    private readonly List<string> _paths = [];

    /// <summary>The phase whose texts are held, or <see langword="null"/> when none is.</summary>
    public int? Phase { get; private set; }

    /// <summary>The file the last delta (or the loaded state) was writing, or <see langword="null"/>.</summary>
    public string? CurrentFile { get; private set; }

    /// <summary>The paths with a known text, in the order they were begun.</summary>
    public IReadOnlyList<string> Paths => _paths;

    /// <summary>The known text of <paramref name="path"/>.</summary>
    /// <param name="path">A file's path.</param>
    /// <param name="text">Its text so far.</param>
    /// <returns>Whether a text of <paramref name="path"/> is known.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    public bool TryGetText(string path, [NotNullWhen(true)] out string? text)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (_files.TryGetValue(path, out var file))
        {
            text = file.ToString();
            return true;
        }

        text = null;
        return false;
    }

    /// <summary>The known length of <paramref name="path"/>'s text in UTF-16 code units (where its next delta starts), or 0.</summary>
    /// <param name="path">A file's path.</param>
    /// <returns>The length.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="path"/> is null.</exception>
    public int LengthOf(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        return _files.TryGetValue(path, out var file) ? file.Length : 0;
    }

    /// <summary>
    /// Replaces everything known with the texts of <paramref name="live"/> (<c>GET /generations/{id}/live</c>); then
    /// apply the events after its <see cref="GenerationLive.Sequence"/>.
    /// </summary>
    /// <param name="live">The live state.</param>
    /// <exception cref="ArgumentNullException"><paramref name="live"/> is null.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="live"/> cannot be continued by deltas: a file's offset is not its text's length, a path is listed
    /// twice or empty, or the sequence or phase is negative (the message names the field).
    /// </exception>
    public void Load(GenerationLive live)
    {
        ArgumentNullException.ThrowIfNull(live);
        if (LiveChecks.Problem(live, generationId: null) is { } problem)
        {
            throw new ArgumentException($"The live state cannot be continued: {problem}.", nameof(live));
        }

        Clear();
        Phase = live.Phase;
        foreach (var file in live.Files)
        {
            if (file.Text is { } text)
            {
                Add(file.Path).Replace(0, text);
            }
        }

        CurrentFile = live.CurrentFile is { } current && _files.ContainsKey(current) ? current : null;
    }

    /// <summary>Applies one event of the generation, in the order of the stream.</summary>
    /// <param name="progressEvent">The event.</param>
    /// <returns>What changed.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="progressEvent"/> is null.</exception>
    public GenerationLiveTextChange Apply(StreamingProgressEvent progressEvent)
    {
        ArgumentNullException.ThrowIfNull(progressEvent);
        var stage = progressEvent.Stage;
        if (string.Equals(stage, GenerationStages.Resumed, StringComparison.Ordinal))
        {
            // A phase that continues keeps its texts; one generated again from its start writes them anew.
            return progressEvent.ResumedMidPhase is null ? End(phase: null) : GenerationLiveTextChange.None;
        }

        if (!GenerationStages.TryGetPhase(stage, out var phase))
        {
            return GenerationLiveTextChange.None;
        }

        if (string.Equals(stage, GenerationStages.PhaseComplete(phase), StringComparison.Ordinal))
        {
            return End(phase: null);
        }

        var other = Phase != phase;
        if (string.Equals(stage, GenerationStages.PhaseStarted(phase), StringComparison.Ordinal))
        {
            return other ? End(phase) : GenerationLiveTextChange.None;
        }

        if (!TryReadDelta(progressEvent.PartialOutput, out var path, out var offset, out var text, out var isDelta))
        {
            return isDelta ? GenerationLiveTextChange.Gap : GenerationLiveTextChange.None;
        }

        if (other)
        {
            // Its start was missed (watching from mid-phase without Load): only a delta from 0 can be taken.
            if (offset > 0)
            {
                return GenerationLiveTextChange.Gap;
            }

            End(phase);
        }

        var known = _files.TryGetValue(path, out var file) ? file.Length : 0;
        if (offset > known)
        {
            return GenerationLiveTextChange.Gap;
        }

        (file ?? Add(path)).Replace(offset, text);
        CurrentFile = path;
        return GenerationLiveTextChange.Updated;
    }

    /// <summary>Forgets every text.</summary>
    public void Clear()
    {
        _files.Clear();
        _paths.Clear();
        Phase = null;
        CurrentFile = null;
    }

    /// <summary>Drops the texts and holds <paramref name="phase"/>; <see cref="GenerationLiveTextChange.Ended"/> when something was held.</summary>
    private GenerationLiveTextChange End(int? phase)
    {
        var held = Phase is not null || _paths.Count > 0;
        Clear();
        Phase = phase;
        return held ? GenerationLiveTextChange.Ended : GenerationLiveTextChange.None;
    }

    private LiveFile Add(string path)
    {
        var file = new LiveFile();
        _files[path] = file;
        _paths.Add(path);
        return file;
    }

    /// <summary>
    /// Reads <c>{file, offset, text}</c>; <paramref name="isDelta"/> says whether it claims to be a delta (has an
    /// <c>offset</c>) even when it is not a valid one.
    /// </summary>
    private static bool TryReadDelta(
        IReadOnlyDictionary<string, JsonElement>? output,
        [NotNullWhen(true)] out string? path,
        out int offset,
        [NotNullWhen(true)] out string? text,
        out bool isDelta)
    {
        path = null;
        text = null;
        offset = 0;
        isDelta = output is not null && output.ContainsKey(LiveOutputKeys.Offset);
        if (!isDelta
            || !output!.TryGetValue(LiveOutputKeys.File, out var file) || file.ValueKind != JsonValueKind.String
            || !output.TryGetValue(LiveOutputKeys.Text, out var delta) || delta.ValueKind != JsonValueKind.String
            || output[LiveOutputKeys.Offset] is not { ValueKind: JsonValueKind.Number } at
            || !at.TryGetInt32(out offset) || offset < 0)
        {
            return false;
        }

        path = file.GetString();
        text = delta.GetString();
        return !string.IsNullOrEmpty(path) && text is not null;
    }

    /// <summary>One file's text: appended in place (a delta usually continues it), its string made once per change.</summary>
    private sealed class LiveFile
    {
        private readonly StringBuilder _text = new();
        private string? _string;

        public int Length => _text.Length;

        public void Replace(int offset, string text)
        {
            _text.Length = offset;
            _text.Append(text);
            _string = null;
        }

        public override string ToString() => _string ??= _text.ToString();
    }
}
