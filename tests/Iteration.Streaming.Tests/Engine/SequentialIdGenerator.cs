using Iteration.Streaming.Engine;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>Predictable generation ids: 00000000-0000-0000-0000-000000000001, …002, …</summary>
internal sealed class SequentialIdGenerator : IGenerationIdGenerator
{
    private int _next;

    public string NewId() => $"00000000-0000-0000-0000-{Interlocked.Increment(ref _next):000000000000}";
}
