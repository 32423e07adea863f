namespace Iteration.Streaming.Engine;

/// <summary>A part of a generation's storage whose writes <see cref="GenerationStorageHealth"/> follows.</summary>
public enum GenerationStoragePart
{
    /// <summary>The generation record store and the event log (one file with SQLite).</summary>
    Records = 0,

    /// <summary>The file sink.</summary>
    Files = 1,
}
