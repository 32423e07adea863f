using System.Buffers;
using System.Buffers.Text;
using System.Text.Json;
using BenchmarkDotNet.Attributes;
using Iteration.Streaming.EventLog;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// Issue 16's decision on the hand-written <c>EventFrameWriter</c>: the frame it builds for each kind of event a run
/// emits, against what System.Text.Json gives with the source-generated metadata written into a reused
/// <see cref="ArrayBufferWriter{T}"/> (the frame copied out at its exact size, as the log keeps it). Both produce the same
/// bytes (<c>EventFrameWriterTests</c>). Keep the hand-written writer only if it is at least 1.5× faster end to end
/// (append + deliver, see <see cref="EventLogBenchmarks"/> and <see cref="DeliverFrameBenchmarks"/> for the rest of the path).
/// </summary>
[MemoryDiagnoser]
[GroupBenchmarksBy(BenchmarkDotNet.Configs.BenchmarkLogicalGroupRule.ByParams)]
public class FrameWriterDecisionBenchmarks
{
    private static readonly Dictionary<string, StreamingProgressEvent> Events = new(StringComparer.Ordinal)
    {
        ["file progress"] = BenchmarkEvents.FileProgress(),
        ["phase started (plan)"] = BenchmarkEvents.FileProgress() with
        {
            Stage = GenerationStages.PhaseStarted(2),
            Message = "Starting phase 2 of 6: User Entity",
            CurrentFile = null,
            PhaseInfo = new PhaseInfo
            {
                TotalPhases = 6,
                CurrentPhase = 2,
                Phase = 2,
                Name = "User Entity",
                Phases = [.. Enumerable.Range(1, 6).Select(p => new PhaseSummary { Phase = p, Name = $"Phase {p}" })],
            },
        },
        ["phase complete"] = BenchmarkEvents.FileProgress() with { Stage = GenerationStages.PhaseComplete(2), Message = "Phase 2 complete: 4 files", CurrentFile = null },
        ["completed"] = BenchmarkEvents.FileProgress() with { Status = GenerationStatus.Completed, Stage = GenerationStages.Completed, Progress = 1, Message = "Generated 23 files", CurrentFile = null, EstimatedTimeRemaining = 0 },
    };

    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    [ThreadStatic]
    private static Utf8JsonWriter? t_json;

    private StreamingProgressEvent _event = null!;

    [ParamsSource(nameof(Kinds))]
    public string Kind { get; set; } = "file progress";

    public static IEnumerable<string> Kinds => Events.Keys;

    [GlobalSetup]
    public void Setup()
    {
        _event = Events[Kind];
        if (!HandWritten().AsSpan().SequenceEqual(SourceGenerated()))
        {
            throw new InvalidOperationException($"The two writers disagree on the '{Kind}' event: the comparison would not be fair.");
        }
    }

    [Benchmark(Baseline = true, Description = "hand-written EventFrameWriter")]
    public byte[] HandWritten() => EventFrameWriter.BuildFrame(42, _event);

    [Benchmark(Description = "Utf8JsonWriter + source-generated metadata, reused buffer")]
    public byte[] SourceGenerated() => SourceGeneratedFrame(42, _event);

    /// <summary>The alternative: <c>id: N\ndata: </c>, the JSON through the generated metadata, <c>\n\n</c>.</summary>
    public static byte[] SourceGeneratedFrame(long sequence, StreamingProgressEvent progressEvent)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(1024);
        buffer.ResetWrittenCount();
        "id: "u8.CopyTo(buffer.GetSpan(4));
        buffer.Advance(4);
        Utf8Formatter.TryFormat(sequence, buffer.GetSpan(20), out var digits);
        buffer.Advance(digits);
        "\ndata: "u8.CopyTo(buffer.GetSpan(7));
        buffer.Advance(7);
        var json = t_json ??= new Utf8JsonWriter(buffer, new JsonWriterOptions { SkipValidation = true });
        json.Reset(buffer);
        JsonSerializer.Serialize(json, progressEvent, IterationStreamingJson.StreamingProgressEvent);
        json.Flush();
        "\n\n"u8.CopyTo(buffer.GetSpan(2));
        buffer.Advance(2);
        return buffer.WrittenSpan.ToArray();
    }
}
