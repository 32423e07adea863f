using System.Text.Json.Serialization;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;

namespace Iteration.Streaming.Sqlite.Records;

/// <summary>The JSON columns of a record: its entities, plan and mode (snake_case, enum names as text).</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    IgnoreReadOnlyProperties = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(PlannedPhase[]))]
[JsonSerializable(typeof(GenerationModeAssignment))]
internal sealed partial class SqliteJsonContext : JsonSerializerContext;
