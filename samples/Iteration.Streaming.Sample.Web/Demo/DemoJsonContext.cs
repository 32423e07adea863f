using System.Text.Json.Serialization;

namespace Iteration.Streaming.Sample.Web.Demo;

[JsonSerializable(typeof(int))]
internal sealed partial class DemoJsonContext : JsonSerializerContext
{
}
