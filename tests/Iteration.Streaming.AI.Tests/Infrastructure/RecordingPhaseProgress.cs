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
    private readonly ConcurrentQueue<PhaseLiveUpdate> _live = new();
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

    /// <summary>Every live update (file deltas and state-only ones), in order.</summary>
    public IReadOnlyList<PhaseLiveUpdate> LiveUpdates => [.. _live];

    /// <summary>Called with each live update, after it is recorded (a test may cancel the run there).</summary>
    public Action<PhaseLiveUpdate>? OnLive { get; set; }

    public ValueTask ReportAsync(string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput = null, CancellationToken cancellationToken = default) =>
        throw new InvalidOperationException("The generator reports live through ReportLiveAsync.");

    public ValueTask ReportLiveAsync(PhaseLiveUpdate update, CancellationToken cancellationToken = default)
    {
        _live.Enqueue(update);
        if (update.File is { } file)
        {
            _reports.Enqueue(new LiveReport(file, update.Offset, update.Text, update.TailLength, update.ResumeState is not null));
        }

        OnLive?.Invoke(update);
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

/// <summary>One live report of a file: its delta (<c>offset</c>, <c>text</c>), the tail length asked for, whether it carried a resume state.</summary>
public sealed record LiveReport(string File, int Offset, string Text, int TailLength, bool HasState)
{
    /// <summary>The file's length after this report (<c>partial_output.chars</c>).</summary>
    public int Chars => Offset + Text.Length;
}

/// <summary>One estimate of the output tokens of the call in progress, and when it came.</summary>
public sealed record Estimate(DateTimeOffset At, long OutputTokens);
