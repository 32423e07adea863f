using System.Globalization;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Files;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Runs.Gates;

/// <summary>
/// Checks the shape of a user's input before anything is stored: the action, and the fields it reads, against the
/// limits in <see cref="IterationStreamingOptions"/>. Messages name the wire field (the HTTP 400's detail).
/// </summary>
internal static class InputValidator
{
    private const string Prefix = IterationStreamingOptions.SectionName + ":";
    private const int MaxPhaseNameLength = 200;

    public static void Validate(GenerationInputRequest input, IterationStreamingOptions options)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (string.IsNullOrWhiteSpace(input.Action))
        {
            throw RequestValidator.Invalid($"'action' is required: one of {string.Join(", ", Actions)}.");
        }

        if (!InputActions.IsKnown(input.Action))
        {
            throw RequestValidator.Invalid($"'action' must be one of {string.Join(", ", Actions)}.");
        }

        switch (input.Action)
        {
            case InputActions.Approve when input.Instruction is not null:
            case InputActions.Instruct:
                ValidateInstruction(input.Instruction, options);
                break;
            case InputActions.RevisePlan:
                ValidatePhases(input.Phases, options);
                break;
            case InputActions.EditFiles:
                ValidateFiles(input.Files, options);
                break;
            case InputActions.Lock:
                ValidatePaths(input.Paths, options);
                break;
        }
    }

    /// <summary>
    /// The revised plan, numbered 1, 2, …: a phase that keeps an old phase's entity (or, without one, its name) keeps
    /// its kind and file estimate; a new one is an entity phase when it names one entity, else a custom phase.
    /// </summary>
    public static IReadOnlyList<PlannedPhase> Plan(IReadOnlyList<RevisedPhase> phases, IReadOnlyList<PlannedPhase>? old) =>
        [.. phases.Select((p, i) =>
        {
            var name = p.Name!.Trim();
            var entity = p.Entities is [var only] ? only : null;
            var match = old?.FirstOrDefault(o => entity is not null
                ? string.Equals(o.Entity, entity, StringComparison.OrdinalIgnoreCase)
                : string.Equals(o.Name, name, StringComparison.OrdinalIgnoreCase));
            return match is null
                ? new PlannedPhase(i + 1, name, entity is null ? PhaseKind.Custom : PhaseKind.Entity, entity)
                : match with { Number = i + 1, Name = name, Entity = entity ?? match.Entity };
        })];

    private static readonly string[] Actions =
        [InputActions.Approve, InputActions.RevisePlan, InputActions.EditFiles, InputActions.Lock, InputActions.Instruct, InputActions.Cancel];

    private static void ValidateInstruction(string? instruction, IterationStreamingOptions options)
    {
        if (string.IsNullOrWhiteSpace(instruction))
        {
            throw RequestValidator.Invalid("'instruction' must not be empty.");
        }

        if (instruction.Length > options.MaxInstructionLength)
        {
            throw RequestValidator.Invalid($"'instruction' is {instruction.Length} characters long; the limit is {options.MaxInstructionLength} ({Prefix}{nameof(options.MaxInstructionLength)}).");
        }

        var bad = RequestValidator.IndexOfDisallowed(instruction, allowLineBreaks: true);
        if (bad >= 0)
        {
            throw RequestValidator.Invalid($"'instruction' contains the control character U+{(int)instruction[bad]:X4} at index {bad}.");
        }
    }

    private static void ValidatePhases(IReadOnlyList<RevisedPhase>? phases, IterationStreamingOptions options)
    {
        if (phases is null || phases.Count == 0)
        {
            throw RequestValidator.Invalid("'phases' is required: a revised plan needs at least one phase.");
        }

        if (phases.Count > options.MaxPhases)
        {
            throw RequestValidator.Invalid($"'phases' has {phases.Count} items; the limit is {options.MaxPhases} ({Prefix}{nameof(options.MaxPhases)}).");
        }

        var names = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < phases.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"phases[{i}]");
            var phase = phases[i] ?? throw RequestValidator.Invalid($"'{field}' is null.");
            var name = phase.Name?.Trim();
            if (string.IsNullOrEmpty(name))
            {
                throw RequestValidator.Invalid($"'{field}.name' is empty; a phase needs a name.");
            }

            if (name.Length > MaxPhaseNameLength)
            {
                throw RequestValidator.Invalid($"'{field}.name' is {name.Length} characters long; the limit is {MaxPhaseNameLength}.");
            }

            var bad = RequestValidator.IndexOfDisallowed(name, allowLineBreaks: false);
            if (bad >= 0)
            {
                throw RequestValidator.Invalid($"'{field}.name' contains the character U+{(int)name[bad]:X4} at index {bad}, which is not allowed in a name.");
            }

            if (!names.Add(name))
            {
                throw RequestValidator.Invalid($"'phases' names '{name}' more than once; phase names must differ.");
            }

            if (phase.Entities is { } entities)
            {
                RequestValidator.Validate(new GenerationRequest("-", entities), options);
            }
        }
    }

    private static void ValidateFiles(IReadOnlyList<InputFile>? files, IterationStreamingOptions options)
    {
        if (files is null || files.Count == 0)
        {
            throw RequestValidator.Invalid("'files' is required: name at least one file to write or delete.");
        }

        if (files.Count > options.MaxFilesPerGeneration)
        {
            throw RequestValidator.Invalid($"'files' has {files.Count} items; the limit is {options.MaxFilesPerGeneration} ({Prefix}{nameof(options.MaxFilesPerGeneration)}).");
        }

        var paths = new HashSet<string>(StringComparer.Ordinal);
        long bytes = 0;
        for (var i = 0; i < files.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"files[{i}]");
            var file = files[i] ?? throw RequestValidator.Invalid($"'{field}' is null.");
            ValidatePath($"{field}.path", file.Path, options);
            if (!paths.Add(file.Path!))
            {
                throw RequestValidator.Invalid($"'files' names {FilePathValidator.Show(file.Path)} more than once.");
            }

            if (file.Delete == true)
            {
                if (file.Content is not null)
                {
                    throw RequestValidator.Invalid($"'{field}' has both 'content' and 'delete': a file is written or deleted, not both.");
                }

                continue;
            }

            if (file.Content is null)
            {
                throw RequestValidator.Invalid($"'{field}.content' is required (or set 'delete': true).");
            }

            var size = System.Text.Encoding.UTF8.GetByteCount(file.Content);
            if (size > options.MaxFileSize)
            {
                throw RequestValidator.Invalid($"'{field}.content' is {size} bytes; the limit is {options.MaxFileSize} ({Prefix}{nameof(options.MaxFileSize)}).");
            }

            bytes += size;
            if (bytes > options.MaxPhaseBytes)
            {
                throw RequestValidator.Invalid($"'files' add up to more than {options.MaxPhaseBytes} bytes ({Prefix}{nameof(options.MaxPhaseBytes)}).");
            }
        }
    }

    private static void ValidatePaths(IReadOnlyList<string>? paths, IterationStreamingOptions options)
    {
        if (paths is null || paths.Count == 0)
        {
            throw RequestValidator.Invalid("'paths' is required: name at least one path to lock.");
        }

        if (paths.Count > options.MaxLockedPaths)
        {
            throw RequestValidator.Invalid($"'paths' has {paths.Count} items; the limit is {options.MaxLockedPaths} ({Prefix}{nameof(options.MaxLockedPaths)}).");
        }

        for (var i = 0; i < paths.Count; i++)
        {
            ValidatePath(string.Create(CultureInfo.InvariantCulture, $"paths[{i}]"), paths[i], options);
        }
    }

    private static void ValidatePath(string field, string? path, IterationStreamingOptions options)
    {
        if (string.IsNullOrEmpty(path))
        {
            throw RequestValidator.Invalid($"'{field}' is required.");
        }

        if (FilePathValidator.FindProblem(path, options.MaxPathLength) is { } problem)
        {
            throw RequestValidator.Invalid($"'{field}' {FilePathValidator.Show(path)} is refused: {problem}.");
        }
    }
}
