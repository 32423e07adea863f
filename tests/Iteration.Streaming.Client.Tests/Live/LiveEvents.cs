using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Live;

/// <summary>Events and live states as a server sends them, for the tests of <see cref="GenerationLiveText"/>.</summary>
internal static class LiveEvents
{
    public const string Id = "3f2504e0-4f89-11d3-9a0c-0305e82c3301";

    public static StreamingProgressEvent Event(string stage, IReadOnlyDictionary<string, JsonElement>? output = null, ResumedMidPhase? resumed = null) => new()
    {
        GenerationId = Id,
        Status = GenerationStatus.Processing,
        Stage = stage,
        Progress = 50,
        Message = stage,
        PartialOutput = output,
        ResumedMidPhase = resumed,
    };

    /// <summary>A <c>phase_{n}_progress</c> delta <c>{file, offset, text, chars}</c>.</summary>
    public static StreamingProgressEvent Delta(int phase, string file, int offset, string text) =>
        Event(GenerationStages.PhaseProgress(phase), Output(("file", file), ("offset", offset), ("text", text), ("chars", offset + text.Length)));

    /// <summary>The partial output of an older server: <c>{file, chars, tail}</c>.</summary>
    public static StreamingProgressEvent Tail(int phase, string file, int chars, string tail) =>
        Event(GenerationStages.PhaseProgress(phase), Output(("file", file), ("chars", chars), ("tail", tail)));

    public static IReadOnlyDictionary<string, JsonElement> Output(params (string Key, object? Value)[] values) =>
        values.ToDictionary(v => v.Key, v => JsonSerializer.SerializeToElement(v.Value), StringComparer.Ordinal);

    public static GenerationLive State(int? phase, long sequence, string? current, params GenerationLiveFile[] files) => new()
    {
        GenerationId = Id,
        Status = GenerationStatus.Processing,
        Phase = phase,
        Sequence = sequence,
        CurrentFile = current,
        Files = files,
    };

    public static GenerationLiveFile File(string path, string? text, bool complete = false) =>
        new() { Path = path, Text = text, Offset = text?.Length ?? 0, Complete = complete, Deleted = text is null };
}
