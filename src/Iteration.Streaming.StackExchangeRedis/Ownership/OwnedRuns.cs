using System.Collections.Concurrent;
using Iteration.Streaming.ScaleOut;
using Iteration.Streaming.StackExchangeRedis.Diagnostics;
using Iteration.Streaming.StackExchangeRedis.Records;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging;

namespace Iteration.Streaming.StackExchangeRedis.Ownership;

/// <summary>
/// The runs this instance owns: the engine adds them (<see cref="IRunCoordinator.Hold"/>); renewal, cancel and
/// hand-over look them up; a run leaves when this instance no longer owns it.
/// </summary>
internal sealed class OwnedRuns(OwnedRecordCopies records, ILogger<OwnedRuns>? logger = null)
{
    private readonly ConcurrentDictionary<string, OwnedRun> _runs = new(StringComparer.Ordinal);
    private readonly ILogger _logger = logger ?? (ILogger)NullLogger.Instance;

    public int Count => _runs.Count;

    public ICollection<OwnedRun> All => _runs.Values;

    /// <summary>Adds a run; <paramref name="released"/> is called once when the engine lets go of it.</summary>
    public OwnedRun Add(string generationId, Action<RunSignal> signal, Action<OwnedRun>? released = null)
    {
        var run = new OwnedRun(generationId, signal, released);
        _runs[generationId] = run;
        return run;
    }

    public bool Contains(string generationId) => _runs.ContainsKey(generationId);

    public OwnedRun? Find(string generationId) => _runs.GetValueOrDefault(generationId);

    /// <summary>Takes a run out (this instance no longer owns it), forgetting its record copy.</summary>
    public void Remove(OwnedRun run)
    {
        if (_runs.TryRemove(new KeyValuePair<string, OwnedRun>(run.GenerationId, run)))
        {
            records.Forget(run.GenerationId);
        }
    }

    /// <summary>Takes a run out and stops it here, when the engine still runs it: another instance ended it or owns it.</summary>
    public void Lose(OwnedRun run, string reason)
    {
        Remove(run);
        if (!run.Released)
        {
            Log.RunLost(_logger, run.GenerationId, reason);
            run.Stop(RunSignal.OwnershipLost);
        }
    }
}
