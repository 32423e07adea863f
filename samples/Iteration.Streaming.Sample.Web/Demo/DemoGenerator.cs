using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.Options;

namespace Iteration.Streaming.Sample.Web.Demo;

/// <summary>
/// Stands in for the AI model: deterministic, realistic files per phase, one at a time, with a configurable delay per file.
/// An iteration changes one file and adds one per phase. <c>[fail:phase=N]</c>, <c>[fail-always:phase=N]</c> and
/// <c>[crash:phase=N]</c> in the prompt make phase N fail (see <see cref="DemoFailure"/>). Like a model, it reports the
/// tokens it "spends" (model <c>demo</c>: the prompt once per phase in, about four characters a token out, after each
/// file), so budgets and the price table work on it.
/// </summary>
/// <remarks>
/// Like a model streaming its answer, it writes each file in <see cref="LiveSteps"/> pieces over the file's delay and
/// reports each through <see cref="IPhaseProgress.ReportLiveAsync"/> (a watcher sees the exact text so far; the engine
/// checkpoints it) with a small resume state (<see cref="DemoResumeState"/>). Being deterministic, it continues an
/// interrupted phase from any checkpoint that matches what it writes (<see cref="PrepareResumeAsync"/>): the files the
/// checkpoint holds are not written again and the file it was writing goes on from its text. A checkpoint with a resume
/// state that is not the demo's, or files the demo would not write, makes the phase start again, saying why.
/// </remarks>
public sealed class DemoGenerator(IOptionsMonitor<DemoOptions> options, TimeProvider timeProvider) : IResumablePhaseGenerator
{
    /// <summary>How many live reports the demo makes per file (each after a part of <see cref="DemoOptions.FileDelay"/>).</summary>
    public const int LiveSteps = 4;

    /// <inheritdoc />
    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await JournalAsync(context, cancellationToken).ConfigureAwait(false);
        var files = FilesOf(context);
        var failure = DemoFailure.At(context);
        var inputTokens = PromptTokens + Tokens(context.Prompt) + Tokens(context.ModificationPrompt);

        // A continued phase: the checkpoint's files are the phase's already; the file it was writing goes on from its text.
        var (start, offset) = context.Checkpoint is { } checkpoint ? ContinueAt(checkpoint, files) : (0, 0);
        for (var i = start; i < files.Count; i++)
        {
            if (failure is { } kind && i == files.Count / 2)
            {
                await Task.Delay(options.CurrentValue.FileDelay, timeProvider, cancellationToken).ConfigureAwait(false);
                throw DemoFailure.Create(kind, context);
            }

            var file = files[i];
            var from = i == start ? offset : 0;
            await WriteLiveAsync(context, i, file, from, cancellationToken).ConfigureAwait(false);
            context.Progress.AddUsage(inputTokens, from == 0 ? Tokens(file.Raw) : Tokens(file.Content[from..]), ModelName);
            inputTokens = 0;
            yield return GeneratedFile.FromText(file.Path, file.Content) with
            {
                PartialOutput = new Dictionary<string, JsonElement>
                {
                    ["lines"] = JsonSerializer.SerializeToElement(file.Raw.Split('\n').Length, DemoJsonContext.Default.Int32),
                },
            };
        }
    }

    /// <inheritdoc />
    public ValueTask<PhaseResumeDecision> PrepareResumeAsync(PhaseContext context, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        cancellationToken.ThrowIfCancellationRequested();
        if (context.Checkpoint is not { } checkpoint)
        {
            return ValueTask.FromResult(PhaseResumeDecision.Restart("there is no checkpoint to continue from"));
        }

        var reason = DemoResumeState.Problem(checkpoint.ResumeState, context.Phase.Number) ?? Mismatch(checkpoint, FilesOf(context));
        return ValueTask.FromResult(reason is null ? PhaseResumeDecision.Continue : PhaseResumeDecision.Restart(reason));
    }

    /// <summary>The model name the demo reports its usage under (priced at <c>IterationStreaming:Budgets:Prices:demo</c>).</summary>
    public const string ModelName = "demo";

    /// <summary>The input tokens a phase's instructions would take besides the prompt.</summary>
    private const int PromptTokens = 400;

    private static readonly SemaphoreSlim JournalGate = new(1, 1);

    // About four characters a token, as for English and code with the common tokenizers.
    private static long Tokens(string? text) => text is null ? 0 : (text.Length + 3) / 4;

    private async Task JournalAsync(PhaseContext context, CancellationToken cancellationToken)
    {
        if (options.CurrentValue.Journal is not { Length: > 0 } journal)
        {
            return;
        }

        await JournalGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var line = string.Create(CultureInfo.InvariantCulture, $"{context.GenerationId} {context.Phase.Number} {context.Attempt}\n");
            await using var stream = new FileStream(journal, FileMode.Append, FileAccess.Write, FileShare.ReadWrite, 4096, FileOptions.WriteThrough);
            await stream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(line), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            JournalGate.Release();
        }
    }

    /// <summary>The phase's files as the demo writes them, in order: path, final text, and the template's text (for tokens).</summary>
    private static List<DemoFile> FilesOf(PhaseContext context)
    {
        var appName = AppName(DemoFailure.WithoutMarker(context.Prompt));
        var files = context.ModificationPrompt is null ? NewFiles(context, appName) : IterationFiles(context, appName);
        return files.Select(f => new DemoFile(f.Path, Normalize(f.Content), f.Content)).ToList();
    }

    /// <summary>Writes <paramref name="file"/> from character <paramref name="from"/> on, a piece per step, each reported live.</summary>
    private async Task WriteLiveAsync(PhaseContext context, int index, DemoFile file, int from, CancellationToken cancellationToken)
    {
        var step = options.CurrentValue.FileDelay / LiveSteps;
        var written = from;
        for (var piece = 1; piece <= LiveSteps; piece++)
        {
            var end = PieceEnd(file.Content, piece);
            if (end <= written && !(piece == LiveSteps && written == 0))
            {
                continue;
            }

            await Task.Delay(step, timeProvider, cancellationToken).ConfigureAwait(false);
            var text = file.Content[written..end];
            var state = new DemoResumeState { Phase = context.Phase.Number, File = index, Offset = end };
            await context.Progress.ReportLiveAsync(
                new PhaseLiveUpdate { File = file.Path, Offset = written, Text = text, ResumeState = state.ToBytes() },
                cancellationToken).ConfigureAwait(false);
            written = end;
        }
    }

    /// <summary>Where piece <paramref name="piece"/> of <see cref="LiveSteps"/> ends: an even share, never inside a surrogate pair.</summary>
    private static int PieceEnd(string content, int piece)
    {
        var end = (int)((long)content.Length * piece / LiveSteps);
        return end > 0 && end < content.Length && char.IsHighSurrogate(content[end - 1]) ? end - 1 : end;
    }

    /// <summary>The file to go on with and its offset: after the checkpoint's files, from the text it had (checked by <see cref="Mismatch"/>).</summary>
    private static (int Index, int Offset) ContinueAt(PhaseCheckpoint checkpoint, List<DemoFile> files)
    {
        var index = checkpoint.Files.Count;
        return index < files.Count && string.Equals(checkpoint.CurrentFile, files[index].Path, StringComparison.Ordinal)
            ? (index, Math.Min(checkpoint.CurrentText.Length, files[index].Content.Length))
            : (index, 0);
    }

    /// <summary>Why the checkpoint is not what the demo writes for this phase; null when it continues from it exactly.</summary>
    private static string? Mismatch(PhaseCheckpoint checkpoint, List<DemoFile> files)
    {
        if (checkpoint.Files.Count > files.Count)
        {
            return string.Create(CultureInfo.InvariantCulture, $"the checkpoint holds {checkpoint.Files.Count} files, more than the demo writes in this phase ({files.Count})");
        }

        for (var i = 0; i < checkpoint.Files.Count; i++)
        {
            var kept = checkpoint.Files[i];
            if (!string.Equals(kept.Path, files[i].Path, StringComparison.Ordinal) || kept.IsDelete
                || !kept.Content.Span.SequenceEqual(System.Text.Encoding.UTF8.GetBytes(files[i].Content)))
            {
                return "the checkpoint's files are not the ones the demo writes in this phase";
            }
        }

        if (checkpoint.CurrentFile is null)
        {
            return null;
        }

        var index = checkpoint.Files.Count;
        return index < files.Count
            && string.Equals(checkpoint.CurrentFile, files[index].Path, StringComparison.Ordinal)
            && files[index].Content.StartsWith(checkpoint.CurrentText, StringComparison.Ordinal)
            ? null
            : "the checkpoint's file being written is not the text the demo writes next";
    }

    private static IEnumerable<(string Path, string Content)> NewFiles(PhaseContext context, string appName) => context.Phase.Kind switch
    {
        PhaseKind.CoreInfrastructure => DemoTemplates.Core(appName),
        PhaseKind.Entity => DemoTemplates.Entity(appName, EntityName(context.Phase.Entity ?? context.Phase.Name)),
        PhaseKind.SupportFiles => DemoTemplates.Support(appName),
        PhaseKind.MainApplication => DemoTemplates.MainApplication(appName, context.Entities.Select(EntityName).ToList()),
        _ => [($"src/{context.Phase.Name.Replace(' ', '_')}.txt", $"Phase {context.Phase.Name}\n")],
    };

    private static IEnumerable<(string Path, string Content)> IterationFiles(PhaseContext context, string appName)
    {
        // Change the first file of this phase's original set and add one new file: the rest carries forward from the parent.
        var original = NewFiles(context, appName).First();
        var change = context.ModificationPrompt!.Replace("*/", string.Empty, StringComparison.Ordinal);
        var header = original.Path.EndsWith(".cs", StringComparison.Ordinal) ? $"// Changed by iteration: {change}\n" : string.Empty;
        yield return (original.Path, header + original.Content);

        var slug = context.Phase.Kind == PhaseKind.Entity ? EntityName(context.Phase.Entity ?? context.Phase.Name) : context.Phase.Kind.ToString();
        yield return ($"src/Iteration/{slug}Changes.cs", $$"""
            namespace {{appName}}.Iteration;

            /// <summary>Added by an iteration: {{change}}</summary>
            public static class {{slug}}Changes
            {
                public const string Request = "{{change.Replace("\"", "'", StringComparison.Ordinal)}}";
            }
            """);
    }

    private static string AppName(string prompt)
    {
        var words = prompt.Split([' ', '-', '_', ',', '.'], StringSplitOptions.RemoveEmptyEntries)
            .Select(w => new string(w.Where(char.IsAsciiLetterOrDigit).ToArray()))
            .Where(w => w.Length > 2 && !char.IsAsciiDigit(w[0]))
            .Take(3)
            .Select(w => char.ToUpperInvariant(w[0]) + w[1..].ToLowerInvariant())
            .ToList();
        return words.Count == 0 ? "GeneratedApp" : string.Concat(words);
    }

    private static string EntityName(string entity)
    {
        var letters = new string(entity.Where(char.IsAsciiLetterOrDigit).ToArray());
        return letters.Length == 0 || char.IsAsciiDigit(letters[0])
            ? "Item" + letters
            : char.ToUpper(letters[0], CultureInfo.InvariantCulture) + letters[1..];
    }

    private static string Normalize(string content) => content.ReplaceLineEndings("\n").TrimEnd('\n') + "\n";

    /// <summary>One file of a phase: its path, its final text, and the template's text (what its tokens are counted from).</summary>
    private sealed record DemoFile(string Path, string Content, string Raw);
}
