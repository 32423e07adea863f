namespace Iteration.Streaming.Engine;

/// <summary>Random UUIDs (<c>xxxxxxxx-xxxx-4xxx-…</c>), unguessable so ids can appear in URLs.</summary>
internal sealed class GuidGenerationIdGenerator : IGenerationIdGenerator
{
    public string NewId() => Guid.NewGuid().ToString("D");
}
