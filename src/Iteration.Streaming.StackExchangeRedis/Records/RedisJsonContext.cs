using System.Text.Json.Serialization;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;

namespace Iteration.Streaming.StackExchangeRedis.Records;

/// <summary>The JSON fields of a record in Redis: its entities, plan and mode (snake_case, enum names as text).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    IgnoreReadOnlyProperties = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(PlannedPhase[]))]
[JsonSerializable(typeof(GenerationModeAssignment))]
internal sealed partial class RedisJsonContext : JsonSerializerContext;
