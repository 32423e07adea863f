using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Tests.Live;

/// <summary>
/// A generator that writes its files as live deltas with a resume state, and continues a phase from a checkpoint
/// exactly where it was (a deterministic stand-in for a model that resumes its answer).
/// </summary>
public sealed class LiveTextGenerator(LiveScript script) : IResumablePhaseGenerator
{
    public ValueTask<PhaseResumeDecision> PrepareResumeAsync(PhaseContext context, CancellationToken cancellationToken = default)
    {
        script.Prepared.Enqueue(context);
        return ValueTask.FromResult(script.Decide?.Invoke(context) ?? PhaseResumeDecision.Continue);
    }

    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        script.Generated.Enqueue(context);
        var phase = context.Phase.Number;
        var firstFile = 0;
        var firstOffset = 0;
        if (context.Checkpoint is { } checkpoint)
        {
            var parts = Encoding.UTF8.GetString(checkpoint.ResumeState.Span).Split(':');
            firstFile = int.Parse(parts[2], CultureInfo.InvariantCulture);
            firstOffset = checkpoint.CurrentText.Length;
            if (checkpoint.CurrentFile != LiveScript.PathOf(phase, firstFile) || !script.TextOf(phase, firstFile).StartsWith(checkpoint.CurrentText, StringComparison.Ordinal))
            {
                throw new InvalidOperationException("The checkpoint does not match what this generator wrote.");
            }
        }

        for (var file = firstFile; file < script.FilesPerPhase; file++)
        {
            var path = LiveScript.PathOf(phase, file);
            var text = script.TextOf(phase, file);
            for (var offset = file == firstFile ? firstOffset : 0; offset < text.Length;)
            {
                var length = Math.Min(script.Chunk, text.Length - offset);
                if (offset + length < text.Length && char.IsHighSurrogate(text[offset + length - 1]))
                {
                    length++;
                }

                var end = offset + length;
                await context.Progress.ReportLiveAsync(
                    new PhaseLiveUpdate
                    {
                        File = path,
                        Offset = offset,
                        Text = text[offset..end],
                        ResumeState = script.StateOverride?.Invoke(phase, file, end) ?? LiveScript.State(phase, file, end),
                    },
                    cancellationToken);
                offset = end;
                if (script.StopAt is var (stopPhase, stopFile, stopChars) && stopPhase == phase && stopFile == file && end >= stopChars)
                {
                    script.StopAt = null;
                    script.Reached.TrySetResult();
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
            }

            yield return GeneratedFile.FromText(path, text);
        }
    }
}

/// <summary>The same files, from a generator that cannot continue a phase.</summary>
public sealed class NonResumableLiveGenerator(LiveScript script) : IPhaseGenerator
{
    private readonly LiveTextGenerator _inner = new(script);

    public IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, CancellationToken cancellationToken = default) =>
        _inner.GenerateAsync(context, cancellationToken);
}
