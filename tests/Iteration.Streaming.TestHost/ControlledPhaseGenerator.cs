using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
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

/// <summary>One phase of a run of <see cref="ControlledPhaseGenerator"/>, waiting for the test.</summary>
public sealed class ControlledPhase
{
    private readonly Channel<(GeneratedFile? File, Exception? Error)> _steps = Channel.CreateUnbounded<(GeneratedFile?, Exception?)>();

    internal ControlledPhase(PhaseContext context, CancellationToken runCancellation)
    {
        Context = context;
        RunCancellation = runCancellation;
    }

    /// <summary>What the engine asked for.</summary>
    public PhaseContext Context { get; }

    /// <summary>The run's token: fires on cancel, shutdown or the stall watchdog.</summary>
    public CancellationToken RunCancellation { get; }

    internal ChannelReader<(GeneratedFile? File, Exception? Error)> Steps => _steps.Reader;

    /// <summary>Lets the generator yield one file.</summary>
    public ControlledPhase Yield(GeneratedFile file)
    {
        _steps.Writer.TryWrite((file, null));
        return this;
    }

    /// <summary>Lets the generator yield one UTF-8 text file.</summary>
    public ControlledPhase Yield(string path, string content) => Yield(GeneratedFile.FromText(path, content));

    /// <summary>Ends the phase: its files are saved.</summary>
    public void Complete() => _steps.Writer.TryComplete();

    /// <summary>Makes the generator throw: the run fails with the exception's message.</summary>
    public void Fail(Exception exception) => _steps.Writer.TryWrite((null, exception));
}
