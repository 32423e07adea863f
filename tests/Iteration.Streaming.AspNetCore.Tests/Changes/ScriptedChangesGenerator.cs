using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AspNetCore.Tests.Changes;

/// <summary>
/// The fake model of the change tests: answers at once with the files <see cref="Script"/> gives for each phase, and
/// counts its calls per generation (a fork must call it for its later phases only, a revert never).
/// </summary>
internal sealed class ScriptedChangesGenerator : IPhaseGenerator
{
    /// <summary>The modification prompt that makes the script write a fork's files.</summary>
    public const string ForkPrompt = "Fork: write fork files";

    private readonly ConcurrentQueue<PhaseContext> _calls = new();

    /// <summary>What a phase writes; by default <see cref="DefaultScript"/>.</summary>
    public Func<PhaseContext, IReadOnlyList<GeneratedFile>> Script { get; set; } = DefaultScript;

    /// <summary>The phases asked for by the generation <paramref name="generationId"/>, in order.</summary>
    public IReadOnlyList<int> PhasesOf(string generationId) =>
        [.. _calls.Where(c => c.GenerationId == generationId).Select(c => c.Phase.Number)];

    /// <summary>The line of a new generation's phase file.</summary>
    public static string PhaseText(string generationId, int phase) =>
        $"// {generationId} phase {phase}\nnamespace App;\n\npublic static class Phase{phase}\n{{\n    public const int Number = {phase};\n}}\n";

    /// <summary>The shared file as phase <paramref name="phase"/> of a new generation leaves it: every phase rewrites one line.</summary>
    public static string SharedText(int phase) =>
        string.Join('\n', Enumerable.Range(1, 12).Select(line => line == phase ? $"line {line}: rewritten by phase {phase}" : $"line {line}")) + "\n";

    /// <summary>
    /// A new generation: phase n writes <c>src/phase{n}.txt</c> and rewrites <c>src/shared.txt</c>. An iteration (phase 1
    /// only): edits <c>src/shared.txt</c>, adds <c>src/added.txt</c> (without a final newline) and deletes
    /// <c>src/phase1.txt</c>. A fork asked with <see cref="ForkPrompt"/>: phase n writes <c>fork/phase{n}.txt</c> only.
    /// </summary>
    public static IReadOnlyList<GeneratedFile> DefaultScript(PhaseContext context)
    {
        var phase = context.Phase.Number;
        if (context.ModificationPrompt == ForkPrompt)
        {
            return [GeneratedFile.FromText($"fork/phase{phase}.txt", $"fork {context.GenerationId} phase {phase}\n")];
        }

        if (context.ParentGenerationId is not null)
        {
            return phase != 1
                ? []
                :
                [
                    GeneratedFile.FromText("src/shared.txt", SharedText(0).Replace("line 6\n", "line 6: changed by the iteration\nline 6b: added by the iteration\n", StringComparison.Ordinal)),
                    GeneratedFile.FromText("src/added.txt", "added by the iteration\nwithout a final newline"),
                    GeneratedFile.Delete("src/phase1.txt"),
                ];
        }

        return
        [
            GeneratedFile.FromText($"src/phase{phase}.txt", PhaseText(context.GenerationId, phase)),
            GeneratedFile.FromText("src/shared.txt", SharedText(phase)),
        ];
    }

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        _calls.Enqueue(context);
        foreach (var file in Script(context))
        {
            cancellationToken.ThrowIfCancellationRequested();
            await Task.Yield();
            yield return file;
        }
    }
}
