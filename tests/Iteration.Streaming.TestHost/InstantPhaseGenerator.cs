using System.Runtime.CompilerServices;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.TestHost;

/// <summary>
/// A test generator that answers at once: <see cref="FilesPerPhase"/> small text files per phase, named after the
/// phase (<c>phase1/File1.cs</c>, ...). For tests where the run's pace does not matter.
/// </summary>
public sealed class InstantPhaseGenerator : IPhaseGenerator
{
    public int FilesPerPhase { get; init; } = 2;

    public static string PathOf(int phase, int file) => $"phase{phase}/File{file}.cs";

    public static string ContentOf(string generationId, int phase, int file) => $"// {generationId} phase {phase} file {file}\n";

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        for (var i = 1; i <= FilesPerPhase; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return GeneratedFile.FromText(PathOf(context.Phase.Number, i), ContentOf(context.GenerationId, context.Phase.Number, i));
        }
    }
}
