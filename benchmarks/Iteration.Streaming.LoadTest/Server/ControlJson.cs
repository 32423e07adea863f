using System.Text.Json;

namespace Iteration.Streaming.LoadTest.Server;

/// <summary>The JSON of the control API between the load generator and its server processes.</summary>
internal static class ControlJson
{
    public static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);
}
