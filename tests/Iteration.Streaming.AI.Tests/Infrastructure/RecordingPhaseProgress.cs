using System.Collections.Concurrent;
using System.Text.Json;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>An <see cref="IPhaseProgress"/> that records the live reports and the usage a generator gives it.</summary>
public sealed class RecordingPhaseProgress : IPhaseProgress
{
    private readonly ConcurrentQueue<LiveReport> _reports = new();
    private readonly ConcurrentQueue<(long Input, long Output)> _usage = new();

    public IReadOnlyList<LiveReport> Reports => [.. _reports];

    public IReadOnlyList<(long Input, long Output)> Usage => [.. _usage];

    public ValueTask ReportAsync(string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput = null, CancellationToken cancellationToken = default)
    {
        _reports.Enqueue(new LiveReport(
            currentFile,
            partialOutput?["file"].GetString(),
            partialOutput?["chars"].GetInt32(),
            partialOutput is not null && partialOutput.TryGetValue("tail", out var tail) ? tail.GetString() : null,
            partialOutput?.Keys.Order(StringComparer.Ordinal).ToArray() ?? []));
        return ValueTask.CompletedTask;
    }

    public void AddUsage(long inputTokens, long outputTokens) => _usage.Enqueue((inputTokens, outputTokens));
}

/// <summary>One live report: the current file and its <c>partial_output</c> (<c>file</c>, <c>chars</c>, <c>tail</c>).</summary>
public sealed record LiveReport(string CurrentFile, string? File, int? Chars, string? Tail, string[] Keys);
