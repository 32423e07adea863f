using System.Runtime.CompilerServices;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Sample.Web.Demo;

namespace Iteration.Streaming.Sample.Web.Tests.Infrastructure;

/// <summary>The sample's <see cref="DemoGenerator"/>, files and failures unchanged, paced by a <see cref="DemoControl"/>.</summary>
public sealed class ControlledDemoGenerator(DemoGenerator demo, DemoControl control) : IPhaseGenerator
{
    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await control.WaitAsync(context.Phase.Number, cancellationToken);
        var asked = control.KeepsFailure(context.GenerationId) ? context : WithoutFailureMarker(context);
        await foreach (var file in demo.GenerateAsync(asked, cancellationToken))
        {
            yield return file;
        }
    }

    private static PhaseContext WithoutFailureMarker(PhaseContext context) => new()
    {
        GenerationId = context.GenerationId,
        Prompt = StripMarker(context.Prompt),
        ModificationPrompt = context.ModificationPrompt is null ? null : StripMarker(context.ModificationPrompt),
        ParentGenerationId = context.ParentGenerationId,
        Entities = context.Entities,
        Phase = context.Phase,
        Plan = context.Plan,
        Files = context.Files,
        Mode = context.Mode,
    };

    private static string StripMarker(string prompt) =>
        System.Text.RegularExpressions.Regex.Replace(prompt, @"\[fail:phase=\d+\]", string.Empty);
}
