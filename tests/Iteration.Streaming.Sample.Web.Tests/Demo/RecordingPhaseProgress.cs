using System.Text.Json;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Sample.Web.Tests.Demo;

/// <summary>An <see cref="IPhaseProgress"/> that keeps the live reports and the usage a generator makes.</summary>
public sealed class RecordingPhaseProgress : IPhaseProgress
{
    public List<PhaseLiveUpdate> Live { get; } = [];

    public long OutputTokens { get; private set; }

    public ValueTask ReportAsync(string currentFile, IReadOnlyDictionary<string, JsonElement>? partialOutput = null, CancellationToken cancellationToken = default) =>
        ValueTask.CompletedTask;

    public ValueTask ReportLiveAsync(PhaseLiveUpdate update, CancellationToken cancellationToken = default)
    {
        Live.Add(update);
        return ValueTask.CompletedTask;
    }

    public void AddUsage(long inputTokens, long outputTokens) => OutputTokens += outputTokens;
}
