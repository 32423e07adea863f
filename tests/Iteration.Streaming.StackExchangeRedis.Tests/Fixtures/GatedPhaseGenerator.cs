using System.Runtime.CompilerServices;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;

/// <summary>
/// A generator for many runs at once whose pace the test sets: each phase yields one file, then waits at a shared gate
/// until the test opens it (every waiting phase goes on together), so kills land between phases of many runs.
/// </summary>
public sealed class GatedPhaseGenerator : IPhaseGenerator
{
    private Gate _gate = new();

    /// <summary>Phases waiting at the gate now.</summary>
    public int Waiting => Volatile.Read(ref Volatile.Read(ref _gate).Waiting);

    /// <summary>Lets every waiting phase finish; phases that reach the gate later wait for the next opening.</summary>
    public void Open() => Interlocked.Exchange(ref _gate, new Gate()).Opened.TrySetResult();

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        yield return GeneratedFile.FromText($"phase{context.Phase.Number}.txt", $"{context.GenerationId} phase {context.Phase.Number}");
        var gate = Volatile.Read(ref _gate);
        Interlocked.Increment(ref gate.Waiting);
        await gate.Opened.Task.WaitAsync(cancellationToken);
    }

    private sealed class Gate
    {
#pragma warning disable SA1401 // Counted with Interlocked.
        public int Waiting;
#pragma warning restore SA1401

        public TaskCompletionSource Opened { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
