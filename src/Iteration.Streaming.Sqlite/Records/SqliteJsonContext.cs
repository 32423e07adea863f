using System.Text.Json.Serialization;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Sqlite.Records;

/// <summary>
/// The JSON columns of a record: its entities, plan, mode and steering (snake_case, enum names as text). The steering is
/// read and written through <see cref="SteeringJson"/>, which adds the wire contract's metadata of
/// <see cref="Contracts.PhaseSelection"/>: this context cannot make it (see the project file's NoWarn).
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
internal sealed partial class SqliteJsonContext : JsonSerializerContext;
