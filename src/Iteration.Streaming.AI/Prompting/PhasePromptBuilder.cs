using System.Globalization;
using System.Text;
using Iteration.Streaming.AI.Exchange;
using Iteration.Streaming.AI.Generation;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.AI;

namespace Iteration.Streaming.AI.Prompting;

/// <summary>
/// Builds one phase's request: a system message (the host's <see cref="ChatClientGeneratorOptions.SystemPrompt"/> and
/// the fixed format rules) and a user message (application, entities, modification, plan, saved files, task).
/// The layout is documented in the package README; change both together.
/// </summary>
internal sealed class PhasePromptBuilder(IFileSink fileSink)
{
    internal const string FormatRules =
        """
        # Output format
        Write each file as one block in exactly this form:
        <file path="relative/path/to/file.ext">
        the complete content of the file
        </file>
        - The path is relative to the application's root folder and uses forward slashes: no leading "/", no "..", no drive letter.
        - Put the file's exact content between the tags: no Markdown code fences around it, no escaping. The content must never contain the text </file>.
        - Write each file whole: it replaces the saved file with the same path. Files you do not write stay as they are.
        - Write only the files of the current phase. Text outside the blocks is ignored.
        """;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public async Task<PhasePrompt> BuildAsync(PhaseContext context, ChatClientGeneratorOptions options, CancellationToken cancellationToken)
    {
        var system = string.Concat(options.SystemPrompt.TrimEnd(), "\n\n", FormatRules);

        var user = new StringBuilder();
        AppendApplication(user, context);
        AppendPlan(user, context);
        var (included, saved) = await AppendFilesAsync(user, context, options.MaxContextCharacters, cancellationToken).ConfigureAwait(false);
        AppendTask(user, context, options);

        var text = user.ToString();
        return new PhasePrompt(
            [new ChatMessage(ChatRole.System, system), new ChatMessage(ChatRole.User, text)],
            system.Length + text.Length,
            included,
            saved);
    }

    /// <summary>The instructions for a phase: by its name, else by its kind.</summary>
    internal static string? FindInstructions(PlannedPhase phase, ChatClientGeneratorOptions options) =>
        options.PhaseInstructions.TryGetValue(phase.Name, out var byName) ? byName
        : options.PhaseInstructions.TryGetValue(phase.Kind.ToString(), out var byKind) ? byKind
        : null;

    /// <summary>Whether the phase writes new files in full (a new generation, or a fork of one), not changes to a parent's.</summary>
    internal static bool IsFresh(PhaseContext context) => context.ParentGenerationId is null;

    private static void AppendApplication(StringBuilder user, PhaseContext context)
    {
        user.Append("# Application\n")
            .Append(string.IsNullOrWhiteSpace(context.Prompt) ? "(no description was given)" : context.Prompt.Trim())
            .Append("\n\n# Entities\n");
        if (context.Entities.Count == 0)
        {
            user.Append("None.\n");
        }

        foreach (var entity in context.Entities)
        {
            user.Append("- ").Append(entity).Append('\n');
        }

        if (IsFresh(context) && context.ModificationPrompt is { } change)
        {
            // A fork of a new generation: the later phases are written in full, with the change in mind.
            user.Append("\n# Change\n")
                .Append("This generation keeps phases 1 to ").Append(context.FromPhase).Append(" of an earlier run as they were saved (their files are below) and generates the later phases in full. Apply this change to them:\n")
                .Append(change.Trim())
                .Append('\n');
        }
        else if (context.ModificationPrompt is { } modification)
        {
            user.Append("\n# Modification\n")
                .Append("This generation changes an existing application (its files are the saved files from phase 0). The change to make:\n")
                .Append(modification.Trim())
                .Append('\n');
        }
    }

    private static void AppendPlan(StringBuilder user, PhaseContext context)
    {
        user.Append("\n# Plan\n");
        foreach (var phase in context.Plan)
        {
            user.Append(CultureInfo.InvariantCulture, $"{phase.Number}. {phase.Name}");
            if (phase.Kind == PhaseKind.Entity && phase.Entity is { } entity)
            {
                user.Append(" (entity: ").Append(entity).Append(')');
            }

            if (phase.Number == context.Phase.Number)
            {
                user.Append(" <- the current phase");
            }

            user.Append('\n');
        }
    }

    private async Task<(int Included, int Saved)> AppendFilesAsync(StringBuilder user, PhaseContext context, int budget, CancellationToken cancellationToken)
    {
        user.Append("\n# Saved files\n");
        var files = context.Files.Files.OrderBy(static f => f.Phase).ThenBy(static f => f.Path, StringComparer.Ordinal).ToList();
        if (files.Count == 0)
        {
            user.Append("None yet.\n");
            return (0, 0);
        }

        var contents = new List<(GenerationFile File, string Text)>();
        var shown = new HashSet<string>(StringComparer.Ordinal);
        var remaining = budget;
        foreach (var file in files)
        {
            // UTF-8 takes at most 3 bytes a character (a surrogate pair: 4 bytes for 2), so a larger file cannot fit.
            if (remaining == 0 || file.Size > 3L * remaining)
            {
                continue;
            }

            var text = await ReadTextAsync(context.GenerationId, file.Path, cancellationToken).ConfigureAwait(false);
            if (text is null || text.Length > remaining || text.Contains(FileTagParser.CloseTag, StringComparison.Ordinal))
            {
                continue;
            }

            remaining -= text.Length;
            contents.Add((file, text));
            shown.Add(file.Path);
        }

        user.Append(CultureInfo.InvariantCulture, $"{files.Count} {(files.Count == 1 ? "file" : "files")}");
        user.Append(shown.Count == files.Count ? ", each shown below.\n" : string.Create(CultureInfo.InvariantCulture, $"; the contents of {shown.Count} are shown below.\n"));
        foreach (var file in files)
        {
            user.Append("- ").Append(file.Path).Append(CultureInfo.InvariantCulture, $" ({file.Size} {(file.Size == 1 ? "byte" : "bytes")}, ");
            user.Append(file.Phase == 0 ? "from the application being changed" : string.Create(CultureInfo.InvariantCulture, $"phase {file.Phase}"));
            if (file.WrittenBy == FileAuthors.User)
            {
                user.Append(", written by the user: keep their change");
            }

            if (context.LockedPaths.Contains(file.Path))
            {
                user.Append(", locked: do not write or delete it");
            }

            user.Append(shown.Contains(file.Path) ? ")\n" : "; content not shown)\n");
        }

        foreach (var (file, text) in contents)
        {
            user.Append('\n').Append(FileTagParser.OpenTagStart).Append(file.Path).Append(FileTagParser.OpenTagEnd).Append('\n')
                .Append(text)
                .Append(FileTagParser.CloseTag).Append('\n');
        }

        return (contents.Count, files.Count);
    }

    private static void AppendTask(StringBuilder user, PhaseContext context, ChatClientGeneratorOptions options)
    {
        var phase = context.Phase;
        user.Append("\n# Task\n")
            .Append(CultureInfo.InvariantCulture, $"Write the files of phase {phase.Number} of {context.Plan.Count}: {phase.Name}.");
        if (phase.Kind == PhaseKind.Entity && phase.Entity is { } entity)
        {
            user.Append(" Its entity is ").Append(entity).Append('.');
        }

        user.Append('\n');
        if (FindInstructions(phase, options) is { Length: > 0 } instructions)
        {
            user.Append(instructions.Trim()).Append('\n');
        }

        if (context.ModificationPrompt is not null && !IsFresh(context))
        {
            user.Append("Apply the modification to this phase's part of the application: write only the files that must change or be added, each whole. Write nothing if this part needs no change.\n");
        }

        AppendUserSteering(user, context);
        user.Append("Answer with <file> blocks only.\n");
    }

    /// <summary>What the user said at review gates or while earlier phases ran, and the paths they locked.</summary>
    private static void AppendUserSteering(StringBuilder user, PhaseContext context)
    {
        if (context.Instructions.Count > 0)
        {
            user.Append("\n# The user's instructions\nFollow these from this phase on; where two disagree, the later one wins.\n");
            foreach (var instruction in context.Instructions)
            {
                user.Append(instruction.Phase == 0 ? "- (at the plan's review) " : string.Create(CultureInfo.InvariantCulture, $"- (during phase {instruction.Phase}) "))
                    .Append(instruction.Text.Trim().ReplaceLineEndings("\n  "))
                    .Append('\n');
            }
        }

        if (context.LockedPaths.Count > 0)
        {
            user.Append("\n# Locked files\nThe user locked these paths: do not write or delete them (a file written there is discarded).\n");
            foreach (var path in context.LockedPaths.Order(StringComparer.Ordinal))
            {
                user.Append("- ").Append(path).Append('\n');
            }
        }
    }

    private async Task<string?> ReadTextAsync(string generationId, string path, CancellationToken cancellationToken)
    {
        var stream = await fileSink.OpenReadAsync(generationId, path, cancellationToken).ConfigureAwait(false);
        if (stream is null)
        {
            return null;
        }

        await using (stream.ConfigureAwait(false))
        {
            using var buffer = new MemoryStream();
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
            try
            {
                return StrictUtf8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
            }
            catch (DecoderFallbackException)
            {
                // Not text: listed by path only.
                return null;
            }
        }
    }
}
