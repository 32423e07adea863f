using System.Collections.Concurrent;
using System.Text.Json;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AI.Tests.Infrastructure;

/// <summary>
/// An <see cref="IPhaseProgress"/> that records the live reports, the usage (with the model's name) and the output-token
/// estimates a generator gives it, each estimate with the time on <paramref name="clock"/>, in the order they came.
/// </summary>
public sealed class RecordingPhaseProgress(TimeProvider? clock = null) : IPhaseProgress
{
    private readonly ConcurrentQueue<LiveReport> _reports = new();
    private readonly ConcurrentQueue<(long Input, long Output)> _usage = new();
    private readonly ConcurrentQueue<string?> _models = new();
    private readonly ConcurrentQueue<Estimate> _estimates = new();
    private readonly ConcurrentQueue<string> _calls = new();

    public IReadOnlyList<LiveReport> Reports => [.. _reports];

    public IReadOnlyList<(long Input, long Output)> Usage => [.. _usage];

    /// <summary>The model named with each usage report, in order.</summary>
    public IReadOnlyList<string?> Models => [.. _models];

    public IReadOnlyList<Estimate> Estimates => [.. _estimates];

    /// <summary>Every usage report and estimate, in order: <c>usage 10/5</c>, <c>estimate 3</c>.</summary>
    public IReadOnlyList<string> Calls => [.. _calls];

    /// <summary>Called with each estimate, as the engine checks it against the budget (a test may cancel the run there).</summary>
    public Action<long>? OnEstimate { get; set; }

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

    public void AddUsage(long inputTokens, long outputTokens) => AddUsage(inputTokens, outputTokens, null);

    public void AddUsage(long inputTokens, long outputTokens, string? model)
    {
        _usage.Enqueue((inputTokens, outputTokens));
        _models.Enqueue(model);
        _calls.Enqueue($"usage {inputTokens}/{outputTokens}");
    }

    public void EstimateOutputTokens(long outputTokens)
    {
        _estimates.Enqueue(new Estimate(clock?.GetUtcNow() ?? default, outputTokens));
        _calls.Enqueue($"estimate {outputTokens}");
        OnEstimate?.Invoke(outputTokens);
    }
}

/// <summary>One live report: the current file and its <c>partial_output</c> (<c>file</c>, <c>chars</c>, <c>tail</c>).</summary>
public sealed record LiveReport(string CurrentFile, string? File, int? Chars, string? Tail, string[] Keys);

/// <summary>One estimate of the output tokens of the call in progress, and when it came.</summary>
public sealed record Estimate(DateTimeOffset At, long OutputTokens);
