using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Live;

/// <summary>
/// The rebuild rule of the live contract, as a watcher applies it: <c>known = known[..offset] + text</c> for a delta
/// whose offset is at most what it knows; a larger offset is a gap; a phase's start or completion ends the live texts.
/// </summary>
internal sealed class LiveTexts
{
    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, string> Texts => _texts;

    /// <summary>How many deltas were applied.</summary>
    public int Deltas { get; private set; }

    /// <summary>Takes the texts of a <c>GET /live</c> answer.</summary>
    public void Load(GenerationLive live)
    {
        _texts.Clear();
        foreach (var file in live.Files)
        {
            if (file.Text is { } text)
            {
                _texts[file.Path] = text;
            }
        }
    }

    /// <summary>Applies an event; false on a gap (an offset past the known text).</summary>
    public bool Apply(StreamingProgressEvent progressEvent)
    {
        if (progressEvent.Stage.EndsWith("_started", StringComparison.Ordinal) || progressEvent.Stage.EndsWith("_complete", StringComparison.Ordinal))
        {
            _texts.Clear();
            return true;
        }

        if (progressEvent.PartialOutput is not { } output
            || !output.TryGetValue(LiveOutputKeys.File, out var file)
            || !output.TryGetValue(LiveOutputKeys.Offset, out var offset)
            || !output.TryGetValue(LiveOutputKeys.Text, out var text))
        {
            return true;
        }

        var path = file.GetString()!;
        var at = offset.GetInt32();
        var known = _texts.GetValueOrDefault(path, string.Empty);
        if (at > known.Length)
        {
            return false;
        }

        _texts[path] = known[..at] + text.GetString();
        Deltas++;
        return true;
    }

    /// <summary>Whether the event is a delta of <paramref name="path"/> that ends at <paramref name="length"/>.</summary>
    public static bool EndsAt(StreamingProgressEvent progressEvent, string path, int length) =>
        progressEvent.PartialOutput is { } output
        && output.TryGetValue(LiveOutputKeys.File, out var file) && file.ValueKind == JsonValueKind.String && file.GetString() == path
        && output.TryGetValue(LiveOutputKeys.Offset, out var offset) && output.TryGetValue(LiveOutputKeys.Text, out var text)
        && offset.GetInt32() + text.GetString()!.Length == length;
}
