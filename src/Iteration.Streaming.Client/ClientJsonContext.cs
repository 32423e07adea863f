using System.Text.Json.Serialization;

namespace Iteration.Streaming.Client;

[JsonSourceGenerationOptions(PropertyNameCaseInsensitive = true)]
[JsonSerializable(typeof(ApiProblem))]
internal sealed partial class ClientJsonContext : JsonSerializerContext
{
}
