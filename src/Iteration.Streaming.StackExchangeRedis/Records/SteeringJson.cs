using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Iteration.Streaming.Events;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.StackExchangeRedis.Records;

/// <summary>
/// The JSON of a record's steering field: <see cref="RedisJsonContext"/>'s metadata, then the wire contract's
/// (<see cref="IterationStreamingJson.TypeInfoResolver"/>) for what it cannot make here: <c>review.after_phases</c>, a
/// <see cref="Contracts.PhaseSelection"/> written as on the wire (<c>"all"</c> or a list of phase numbers) by its own
/// converter, which is internal to its assembly.
/// </summary>
internal static class SteeringJson
{
    public static JsonTypeInfo<RunSteering> RunSteering { get; } = (JsonTypeInfo<RunSteering>)new JsonSerializerOptions(RedisJsonContext.Default.Options)
    {
        TypeInfoResolver = JsonTypeInfoResolver.Combine(RedisJsonContext.Default, IterationStreamingJson.TypeInfoResolver),
    }.GetTypeInfo(typeof(RunSteering));
}
