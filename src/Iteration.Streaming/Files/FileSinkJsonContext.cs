using System.Text.Json.Serialization;

namespace Iteration.Streaming.Files;

/// <summary>Source-generated JSON for the stored manifest.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(StoredManifest))]
internal sealed partial class FileSinkJsonContext : JsonSerializerContext
{
}
