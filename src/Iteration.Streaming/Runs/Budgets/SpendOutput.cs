using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs.Budgets;

/// <summary>Puts <c>usage</c> (and <c>cost</c>, with a price table) into an event's <c>partial_output</c>.</summary>
internal static class SpendOutput
{
    /// <summary>Returns <paramref name="partialOutput"/> with the spend added, or it unchanged when nothing was spent.</summary>
    public static IReadOnlyDictionary<string, JsonElement>? AddTo(IReadOnlyDictionary<string, JsonElement>? partialOutput, (GenerationUsage Usage, GenerationCost? Cost)? spent)
    {
        if (spent is not var (usage, cost))
        {
            return partialOutput;
        }

        var merged = partialOutput is null ? new Dictionary<string, JsonElement>(StringComparer.Ordinal) : new Dictionary<string, JsonElement>(partialOutput, StringComparer.Ordinal);
        merged["usage"] = JsonSerializer.SerializeToElement(
            new UsageSummary { InputTokens = usage.InputTokens, OutputTokens = usage.OutputTokens },
            EngineJsonContext.Default.UsageSummary);
        if (cost is not null)
        {
            merged["cost"] = JsonSerializer.SerializeToElement(cost, IterationStreamingJson.GenerationCost);
        }

        return merged;
    }
}
