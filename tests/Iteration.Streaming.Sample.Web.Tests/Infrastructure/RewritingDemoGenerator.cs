using System.Runtime.CompilerServices;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Files;
using Iteration.Streaming.Sample.Web.Demo;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>
/// The sample's <see cref="DemoGenerator"/>, files unchanged, that also rewrites <paramref name="path"/> in every phase
/// after the first: the demo writes each file once, so without this a lock would protect a file nothing touches again.
/// A locked path's rewrite must be refused (a <c>locked_path</c> warning) and the user's file kept.
/// </summary>
public sealed class RewritingDemoGenerator(DemoGenerator demo, string path) : IPhaseGenerator
{
    /// <summary>What every later phase writes into <see cref="Path"/> when nothing stops it.</summary>
    public static string Rewrite(int phase) => $"// Rewritten by phase {phase}\n";

    public string Path => path;

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var file in demo.GenerateAsync(context, cancellationToken))
        {
            yield return file;
        }

        if (context.Phase.Number > 1)
        {
            yield return GeneratedFile.FromText(path, Rewrite(context.Phase.Number));
        }
    }
}
