namespace Iteration.Streaming.Engine;

/// <summary>Creates generation ids; replaced in tests that need predictable ids.</summary>
internal interface IGenerationIdGenerator
{
    /// <summary>Returns a new, unique id: a UUID string by default.</summary>
    string NewId();
}
