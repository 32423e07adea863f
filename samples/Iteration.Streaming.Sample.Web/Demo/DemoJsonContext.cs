using System.Text.Json.Serialization;

namespace Iteration.Streaming.Sample.Web.Demo;

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower)]
[JsonSerializable(typeof(int))]
[JsonSerializable(typeof(DemoSignInRequest))]
[JsonSerializable(typeof(DemoAccount))]
[JsonSerializable(typeof(DemoResumeState))]
internal sealed partial class DemoJsonContext : JsonSerializerContext
{
}
