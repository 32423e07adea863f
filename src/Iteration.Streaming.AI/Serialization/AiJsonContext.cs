using System.Text.Json.Serialization;

namespace Iteration.Streaming.AI.Serialization;

/// <summary>The values this package puts in <c>partial_output</c>, serialised without reflection.</summary>
[JsonSerializable(typeof(string))]
[JsonSerializable(typeof(int))]
internal sealed partial class AiJsonContext : JsonSerializerContext;
