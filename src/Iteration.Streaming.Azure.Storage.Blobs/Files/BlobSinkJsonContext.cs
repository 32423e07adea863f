using System.Text.Json.Serialization;

namespace Iteration.Streaming.Azure.Storage.Blobs.Files;

/// <summary>Source-generated JSON for the stored manifest, with the file-system sink's settings.</summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    WriteIndented = true)]
[JsonSerializable(typeof(StoredManifest))]
internal sealed partial class BlobSinkJsonContext : JsonSerializerContext
{
}
