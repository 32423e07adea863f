using System.Text.Json;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs;

/// <summary>Model tokens summed over a phase or a run; shown as <c>partial_output.usage</c>.</summary>
internal sealed class TokenUsage
{
    private long _input;
    private long _output;
    private int _reports;

    public long InputTokens => Interlocked.Read(ref _input);

    public long OutputTokens => Interlocked.Read(ref _output);

    public bool IsEmpty => Volatile.Read(ref _reports) == 0;

    public void Add(long inputTokens, long outputTokens)
    {
        Interlocked.Add(ref _input, Math.Max(0, inputTokens));
        Interlocked.Add(ref _output, Math.Max(0, outputTokens));
        Interlocked.Increment(ref _reports);
    }

    public void Add(TokenUsage other)
    {
        if (!other.IsEmpty)
        {
            Add(other.InputTokens, other.OutputTokens);
        }
    }

    /// <summary>Returns <paramref name="partialOutput"/> with <c>usage</c> added, or it unchanged when nothing was spent.</summary>
    public IReadOnlyDictionary<string, JsonElement>? AddTo(IReadOnlyDictionary<string, JsonElement>? partialOutput)
    {
        if (IsEmpty)
        {
            return partialOutput;
        }

        var merged = partialOutput is null ? new Dictionary<string, JsonElement>(StringComparer.Ordinal) : new Dictionary<string, JsonElement>(partialOutput, StringComparer.Ordinal);
        merged["usage"] = JsonSerializer.SerializeToElement(
            new UsageSummary { InputTokens = InputTokens, OutputTokens = OutputTokens },
            EngineJsonContext.Default.UsageSummary);
        return merged;
    }
}
