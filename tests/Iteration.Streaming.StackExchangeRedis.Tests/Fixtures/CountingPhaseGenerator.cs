using System.Collections.Concurrent;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>Wraps a generator and notes every phase it is asked for, with the instance that asked, so a test can tell a phase generated twice.</summary>
public sealed class CountingPhaseGenerator(string instance, IPhaseGenerator inner, ConcurrentQueue<(string Instance, string GenerationId, int Phase)> calls) : IPhaseGenerator
{
    public IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, CancellationToken cancellationToken = default)
    {
        calls.Enqueue((instance, context.GenerationId, context.Phase.Number));
        return inner.GenerateAsync(context, cancellationToken);
    }
}
