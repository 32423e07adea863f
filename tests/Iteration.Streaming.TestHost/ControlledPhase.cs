using System.Threading.Channels;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.TestHost;

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
