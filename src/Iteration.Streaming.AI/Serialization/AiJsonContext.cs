using System.Text.Json.Serialization;
using Iteration.Streaming.AI.Generation;

namespace Iteration.Streaming.AI.Serialization;

/// <summary>What this package serialises (its resume state), without reflection; snake_case as on the wire.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(ChatContinuationState))]
internal sealed partial class AiJsonContext : JsonSerializerContext;
