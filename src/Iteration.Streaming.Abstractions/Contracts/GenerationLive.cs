namespace Iteration.Streaming.Contracts;

/// <summary>
/// <c>GET {prefix}/{id}/live</c>: the phase in progress as it stands, the files it finished (not saved yet: a phase is
/// saved whole at its end) and the text so far of the file being written, with the event it matches.
/// </summary>
/// <remarks>
/// A watcher that reloads takes these texts, then applies the <c>partial_output</c> deltas of the events after
/// <see cref="Sequence"/> (open the stream with <c>Last-Event-ID: {sequence}</c>): it gets exactly what a watcher
/// connected from the start has.
/// </remarks>
public sealed record GenerationLive
{
    /// <summary>The generation.</summary>
    public required string GenerationId { get; init; }

    /// <summary>The generation's status (see <see cref="Events.GenerationStatus"/>).</summary>
    public required string Status { get; init; }

    /// <summary>The phase in progress, or <see langword="null"/> when none is (queued, between phases, at a gate, ended).</summary>
    public int? Phase { get; init; }

    /// <summary>
    /// The id of the last event whose text <see cref="Files"/> includes: the deltas of later events continue these texts.
    /// 0 when nothing was written yet.
    /// </summary>
    public long Sequence { get; init; }

    /// <summary>The file being written, or <see langword="null"/> between files.</summary>
    public string? CurrentFile { get; init; }

    /// <summary>The phase's files so far, in the order they were begun; the file being written last.</summary>
    public IReadOnlyList<GenerationLiveFile> Files { get; init; } = [];
}
