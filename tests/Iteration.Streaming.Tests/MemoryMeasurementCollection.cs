namespace Iteration.Streaming.Tests;

/// <summary>
/// Tests that measure the process's heap: they run alone, after the parallel ones, so other tests' allocations
/// do not count against them.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    public const string Name = "Memory measurement";
}
