using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Client.Review;

/// <summary>
/// The client's own checks of a review input and of a <see cref="ReviewRequest"/>, before anything is sent: the shape
/// the contract needs (an action, the fields it reads and none it ignores, no null items, relative paths). Limits a
/// host sets (lengths, counts, byte caps, the plan's size) are the server's to check: it answers 400 naming the field.
/// </summary>
internal static class InputChecks
{
    // An echoed value is cut: a hostile one may be long or hold anything.
    private const int MaxEcho = 40;

    private static readonly string KnownActions = string.Join(", ", InputActions.Approve, InputActions.RevisePlan, InputActions.EditFiles, InputActions.Lock, InputActions.Instruct, InputActions.Cancel);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the field when <paramref name="input"/> cannot be what its action needs.</summary>
    public static void Check(GenerationInputRequest input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (Problem(input) is { } problem)
        {
            throw new ArgumentException(problem, nameof(input));
        }
    }

    /// <summary>Throws an <see cref="ArgumentException"/> when a phase number of <paramref name="review"/> is below 1.</summary>
    public static void Check(ReviewRequest? review)
    {
        if (review?.AfterPhases is { IsAll: false, Phases: var phases } && phases.Count > 0 && phases[0] < 1)
        {
            throw new ArgumentException($"review.AfterPhases holds {phases[0]}: phases are numbered from 1.", nameof(review));
        }
    }

    private static string? Problem(GenerationInputRequest input)
    {
        if (string.IsNullOrWhiteSpace(input.Action))
        {
            return $"input.Action is required: one of {KnownActions}.";
        }

        if (!InputActions.IsKnown(input.Action))
        {
            return $"input.Action must be one of {KnownActions}, but was '{Echo(input.Action)}'.";
        }

        return OnlyFor(input.Instruction is not null, nameof(input.Instruction), input.Action, InputActions.Approve, InputActions.Instruct)
            ?? OnlyFor(input.Phases is not null, nameof(input.Phases), input.Action, InputActions.RevisePlan)
            ?? OnlyFor(input.Files is not null, nameof(input.Files), input.Action, InputActions.EditFiles)
            ?? OnlyFor(input.Paths is not null, nameof(input.Paths), input.Action, InputActions.Lock)
            ?? input.Action switch
            {
                InputActions.Approve when input.Instruction is not null && string.IsNullOrWhiteSpace(input.Instruction) =>
                    "input.Instruction is empty: leave it null to approve without an instruction.",
                InputActions.Instruct when string.IsNullOrWhiteSpace(input.Instruction) =>
                    "input.Instruction is required for instruct: what the model should do from the next phase on.",
                InputActions.RevisePlan => PhasesProblem(input.Phases),
                InputActions.EditFiles => FilesProblem(input.Files),
                InputActions.Lock => PathsProblem(input.Paths),
                _ => null,
            };
    }

    private static string? PhasesProblem(IReadOnlyList<RevisedPhase>? phases)
    {
        if (phases is null || phases.Count == 0)
        {
            return "input.Phases is required for revise_plan: the revised plan, one or more phases in order.";
        }

        for (var i = 0; i < phases.Count; i++)
        {
            if (phases[i] is not { } phase)
            {
                return $"input.Phases[{i}] is null.";
            }

            if (string.IsNullOrWhiteSpace(phase.Name))
            {
                return $"input.Phases[{i}].Name is required: every phase has a name.";
            }

            for (var j = 0; j < (phase.Entities?.Count ?? 0); j++)
            {
                if (string.IsNullOrWhiteSpace(phase.Entities![j]))
                {
                    return $"input.Phases[{i}].Entities[{j}] is null, empty or white space.";
                }
            }
        }

        return null;
    }

    private static string? FilesProblem(IReadOnlyList<InputFile>? files)
    {
        if (files is null || files.Count == 0)
        {
            return "input.Files is required for edit_files: one or more files to write or delete.";
        }

        for (var i = 0; i < files.Count; i++)
        {
            if (files[i] is not { } file)
            {
                return $"input.Files[{i}] is null.";
            }

            if (PathProblem(file.Path, $"input.Files[{i}].Path") is { } pathProblem)
            {
                return pathProblem;
            }

            if (file.Delete == true && file.Content is not null)
            {
                return $"input.Files[{i}] has both Content and Delete: a file is either written or deleted.";
            }

            if (file.Delete != true && file.Content is null)
            {
                return $"input.Files[{i}].Content is required unless Delete is true.";
            }
        }

        return null;
    }

    private static string? PathsProblem(IReadOnlyList<string>? paths)
    {
        if (paths is null || paths.Count == 0)
        {
            return "input.Paths is required for lock: one or more paths to protect.";
        }

        for (var i = 0; i < paths.Count; i++)
        {
            if (PathProblem(paths[i], $"input.Paths[{i}]") is { } pathProblem)
            {
                return pathProblem;
            }
        }

        return null;
    }

    /// <summary>A relative path with '/' between names: none empty, '.' or '..', and no '\' or control characters.</summary>
    private static string? PathProblem(string? path, string field)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            return $"{field} is required: a relative path such as src/app.ts.";
        }

        if (path.Any(c => char.IsControl(c) || c == '\\') || path.Split('/').Any(n => n.Length == 0 || n is "." or ".."))
        {
            return $"{field} must be a relative path with '/' between non-empty names, no '.' or '..' names, no '\\' and no control characters, but was '{Echo(path)}'.";
        }

        return null;
    }

    private static string? OnlyFor(bool present, string field, string action, params ReadOnlySpan<string> actions)
    {
        if (present && !actions.Contains(action))
        {
            return $"input.{field} does not apply to {action}; it is read by {string.Join(" and ", actions)} only.";
        }

        return null;
    }

    private static string Echo(string value)
    {
        var cut = value.Length > MaxEcho ? value[..MaxEcho] + "…" : value;
        return new string([.. cut.Select(c => char.IsControl(c) ? '?' : c)]);
    }
}
