using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Tests.Engine;

/// <summary>
/// The test's stand-in for the AI: yields the files a test scripts for each phase, optionally stopping at gates the
/// test controls. By default each phase yields as many files as the default plan estimates (5, 4 per entity, 5, 2).
/// </summary>
public sealed class ScriptedGenerator : IPhaseGenerator
{
    public Func<PhaseContext, IEnumerable<GeneratedFile>> Files { get; set; } = DefaultFiles;

    /// <summary>Awaited before the file at the given index of a phase is yielded.</summary>
    public Func<PhaseContext, int, CancellationToken, Task>? BeforeFile { get; set; }

    public ConcurrentQueue<PhaseContext> Calls { get; } = new();

    public static IEnumerable<GeneratedFile> DefaultFiles(PhaseContext context)
    {
        var prefix = context.Phase.Entity is { } entity ? $"src/{entity.ToLowerInvariant()}" : $"src/phase{context.Phase.Number}";
        for (var i = 0; i < context.Phase.EstimatedFileCount; i++)
        {
            yield return GeneratedFile.FromText($"{prefix}/file{i}.txt", $"{context.GenerationId} phase {context.Phase.Number} file {i}");
        }
    }

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(context);
        var index = 0;
        foreach (var file in Files(context))
        {
            if (BeforeFile is { } before)
            {
                await before(context, index, cancellationToken);
            }

            yield return file;
            index++;
        }
    }

    /// <summary>Stops once, at the file <paramref name="fileIndex"/> of phase <paramref name="phase"/> (of any run).</summary>
    public Gate StopAt(int phase, int fileIndex, bool ignoreCancellation = false)
    {
        var gate = new Gate();
        BeforeFile = (context, index, token) =>
            context.Phase.Number == phase && index == fileIndex ? gate.PassAsync(token, ignoreCancellation) : Task.CompletedTask;
        return gate;
    }
}
