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
public sealed class DemoGenerator(IOptionsMonitor<DemoOptions> options, TimeProvider timeProvider) : IPhaseGenerator
{
    /// <inheritdoc />
    public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        await JournalAsync(context, cancellationToken).ConfigureAwait(false);
        var appName = AppName(DemoFailure.WithoutMarker(context.Prompt));
        var files = context.ModificationPrompt is null
            ? NewFiles(context, appName).ToList()
            : IterationFiles(context, appName).ToList();
        var failure = DemoFailure.At(context);
        var inputTokens = PromptTokens + Tokens(context.Prompt) + Tokens(context.ModificationPrompt);

        for (var i = 0; i < files.Count; i++)
        {
            await Task.Delay(options.CurrentValue.FileDelay, timeProvider, cancellationToken).ConfigureAwait(false);
            if (failure is { } kind && i == files.Count / 2)
            {
                throw DemoFailure.Create(kind, context);
            }

            var (path, content) = files[i];
            context.Progress.AddUsage(inputTokens, Tokens(content), ModelName);
            inputTokens = 0;
            yield return GeneratedFile.FromText(path, Normalize(content)) with
            {
                PartialOutput = new Dictionary<string, JsonElement>
                {
                    ["lines"] = JsonSerializer.SerializeToElement(content.Split('\n').Length, DemoJsonContext.Default.Int32),
                },
            };
        }
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
}
