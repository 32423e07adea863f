using Iteration.Streaming.Events;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Runs;

/// <summary>What one phase of a run has produced so far: the batch to save, the paths written, the bytes held.</summary>
internal sealed class PhaseState(PlannedPhase phase, int totalBefore, int totalPhases, int entities)
{
    public PlannedPhase Phase { get; } = phase;

    public List<GeneratedFile> Batch { get; } = [];

    public HashSet<string> Written { get; } = new(StringComparer.Ordinal);

    public long Bytes { get; private set; }

    public void Add(GeneratedFile file, HashSet<string> deleted)
    {
        Batch.Add(file);
        Bytes += file.Content.Length;
        if (file.IsDelete)
        {
            deleted.Add(file.Path);
            Written.Remove(file.Path);
        }
        else
        {
            deleted.Remove(file.Path);
            Written.Add(file.Path);
        }
    }

    public PhaseInfo Info(bool completed = false) => new()
    {
        TotalPhases = totalPhases,
        CurrentPhase = Phase.Number,
        EntitiesCount = entities,
        Phase = Phase.Number,
        Name = Phase.Name,
        FilesGenerated = completed || Batch.Count > 0 ? Written.Count : null,
        TotalFiles = completed || Batch.Count > 0 ? totalBefore + Written.Count : null,
    };
}
