using System.Text.Json.Serialization;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Sqlite.Records;

/// <summary>
/// The JSON columns of a record: its entities, plan, mode, steering, budget, usage, cost and revert (snake_case, enum names as text).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    IgnoreReadOnlyProperties = true,
    UseStringEnumConverter = true)]
[JsonSerializable(typeof(string[]))]
[JsonSerializable(typeof(PlannedPhase[]))]
[JsonSerializable(typeof(GenerationModeAssignment))]
[JsonSerializable(typeof(RunSteering))]
[JsonSerializable(typeof(GenerationBudget))]
[JsonSerializable(typeof(GenerationUsage))]
[JsonSerializable(typeof(GenerationCost))]
[JsonSerializable(typeof(GenerationRevert))]
internal sealed partial class SqliteJsonContext : JsonSerializerContext;
