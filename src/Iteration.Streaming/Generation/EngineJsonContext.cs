using System.Text.Json.Serialization;

namespace Iteration.Streaming.Generation;

/// <summary>Source-generated JSON for what the engine puts in <c>partial_output</c>: snake_case like the wire contract.</summary>
[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(UsageSummary))]
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
internal sealed partial class EngineJsonContext : JsonSerializerContext
{
}
