using System.Text.Json.Serialization;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Events;

/// <summary>
/// Source-generated JSON metadata for the wire contract: snake_case names, null fields omitted. Internal: its generated
/// surface changes with the generator; <see cref="IterationStreamingJson"/> is the public face.
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    NumberHandling = JsonNumberHandling.Strict,
    AllowTrailingCommas = false,
    ReadCommentHandling = System.Text.Json.JsonCommentHandling.Disallow,
    MaxDepth = 32)]
[JsonSerializable(typeof(StreamingProgressEvent))]
[JsonSerializable(typeof(PhaseInfo))]
[JsonSerializable(typeof(PhaseSummary))]
[JsonSerializable(typeof(StartGenerationRequest))]
[JsonSerializable(typeof(IterateGenerationRequest))]
[JsonSerializable(typeof(GenerationStartedResponse))]
[JsonSerializable(typeof(GenerationSnapshot))]
[JsonSerializable(typeof(GenerationFile))]
[JsonSerializable(typeof(GenerationFileList))]
[JsonSerializable(typeof(GenerationInputRequest))]
[JsonSerializable(typeof(GenerationInputAccepted))]
[JsonSerializable(typeof(RetryGenerationRequest))]
[JsonSerializable(typeof(InputRequest))]
[JsonSerializable(typeof(GenerationBudget))]
[JsonSerializable(typeof(GenerationUsage))]
[JsonSerializable(typeof(GenerationCost))]
[JsonSerializable(typeof(GenerationList))]
[JsonSerializable(typeof(GenerationListItem))]
[JsonSerializable(typeof(GenerationWatchRequest))]
[JsonSerializable(typeof(GenerationWatchMember))]
[JsonSerializable(typeof(GenerationWatchResponse))]
[JsonSerializable(typeof(ForkGenerationRequest))]
[JsonSerializable(typeof(RevertGenerationRequest))]
[JsonSerializable(typeof(GenerationDiff))]
[JsonSerializable(typeof(PhaseChanges))]
[JsonSerializable(typeof(ResumedMidPhase))]
[JsonSerializable(typeof(GenerationLive))]
internal sealed partial class IterationStreamingJsonContext : JsonSerializerContext
{
}
