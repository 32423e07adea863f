using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// A test generator the test drives step by step: each phase the engine asks for shows up as a
/// <see cref="ControlledPhase"/> (from <see cref="NextPhaseAsync"/>), which yields only the files the test releases
/// and ends when the test says so. No timing involved: the run moves exactly when the test moves it.
/// </summary>
public sealed class ControlledPhaseGenerator : IPhaseGenerator
{
    private readonly Channel<ControlledPhase> _phases = Channel.CreateUnbounded<ControlledPhase>();

    /// <summary>Waits (with patience) for the engine to ask for the next phase of any run.</summary>
    public Task<ControlledPhase> NextPhaseAsync() => _phases.Reader.ReadAsync().AsTask().WithPatience();

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var phase = new ControlledPhase(context, cancellationToken);
        _phases.Writer.TryWrite(phase);
        await foreach (var step in phase.Steps.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            if (step.Error is not null)
            {
                throw step.Error;
            }

            yield return step.File!;
        }
    }
}
