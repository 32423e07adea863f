namespace Iteration.Streaming.Contracts;

/// <summary>
/// The body of <c>POST {prefix}/{id}/input</c>: the user's answer at a review gate, or an instruction while a phase runs.
/// Which fields are read depends on <see cref="Action"/>.
/// </summary>
public sealed record GenerationInputRequest
{
    /// <summary>One of <see cref="InputActions"/>.</summary>
    public string? Action { get; init; }

    /// <summary>For <c>instruct</c> (required) and <c>approve</c> (optional): what the model should do from the next phase on.</summary>
    public string? Instruction { get; init; }

    /// <summary>For <c>revise_plan</c>: the phases, in order.</summary>
    public IReadOnlyList<RevisedPhase>? Phases { get; init; }

    /// <summary>For <c>edit_files</c>: files to write or delete.</summary>
    public IReadOnlyList<InputFile>? Files { get; init; }

    /// <summary>For <c>lock</c>: the paths later phases may not write or delete (a path that does not exist yet may be locked).</summary>
    public IReadOnlyList<string>? Paths { get; init; }
}

/// <summary>One phase of a revised plan (<see cref="GenerationInputRequest.Phases"/>).</summary>
public sealed record RevisedPhase
{
    /// <summary>The phase's name, such as "User Entity".</summary>
    public string? Name { get; init; }

    /// <summary>The entities the phase is about, when any.</summary>
    public IReadOnlyList<string>? Entities { get; init; }
}

/// <summary>One file of an <c>edit_files</c> input (<see cref="GenerationInputRequest.Files"/>).</summary>
public sealed record InputFile
{
    /// <summary>The relative path, with forward slashes; the rules of generated files apply.</summary>
    public string? Path { get; init; }

    /// <summary>The new text (UTF-8) of the file; required unless <see cref="Delete"/>.</summary>
    public string? Content { get; init; }

    /// <summary><see langword="true"/> to delete the file.</summary>
    public bool? Delete { get; init; }
}
