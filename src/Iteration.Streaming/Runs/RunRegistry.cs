using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using Iteration.Streaming.Diagnostics;
using Iteration.Streaming.ScaleOut;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.Runs;

/// <summary>
/// The runs this instance holds, by generation, with this instance's claim on each (<see cref="IRunCoordinator.Hold"/>),
/// and the one end-of-run cleanup: a run leaves here, is handed over when it was interrupted, lets go of its claim and
/// says it finished, in that order, whichever way it ended.
/// </summary>
internal sealed class RunRegistry(IRunCoordinator coordinator, ILogger logger)
{
    private readonly ConcurrentDictionary<string, GenerationRun> _runs = new(StringComparer.Ordinal);

    public int Count => _runs.Count;

    public IReadOnlyList<GenerationRun> Runs => [.. _runs.Values];

    public bool Contains(string generationId) => _runs.ContainsKey(generationId);

    public bool TryGet(string generationId, [MaybeNullWhen(false)] out GenerationRun run) => _runs.TryGetValue(generationId, out run);

    /// <summary>Holds <paramref name="run"/> here: <paramref name="onSignal"/> gets what other instances ask of it.</summary>
    public void Register(GenerationRun run, Action<GenerationRun, RunSignal> onSignal)
    {
        run.Ownership = coordinator.Hold(run.GenerationId, signal => onSignal(run, signal));
        _runs[run.GenerationId] = run;
    }

    /// <summary>The end-of-run cleanup, the same for every way a run leaves this instance.</summary>
    public async Task ReleaseAsync(GenerationRun run)
    {
        _runs.TryRemove(new KeyValuePair<string, GenerationRun>(run.GenerationId, run));
        if (run.Interrupted)
        {
            // Stopped without ending (the host is stopping): another instance resumes it now, before this one lets go.
            try
            {
                await coordinator.HandOverAsync(run.GenerationId, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                // Not handed over: another instance resumes it once its ownership lapses.
                Log.HandOverFailed(logger, run.GenerationId, ex);
            }
        }

        run.Dispose();
        RunEvents.NoFirstEvent(run);
        run.Finished.TrySetResult();
    }
}
