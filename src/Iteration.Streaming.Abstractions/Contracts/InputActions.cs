namespace Iteration.Streaming.Contracts;

/// <summary>The values of <see cref="GenerationInputRequest.Action"/>.</summary>
public static class InputActions
{
    /// <summary>Continue from a gate (optionally with an <see cref="GenerationInputRequest.Instruction"/>).</summary>
    public const string Approve = "approve";

    /// <summary>At the plan gate: continue with <see cref="GenerationInputRequest.Phases"/> as the plan.</summary>
    public const string RevisePlan = "revise_plan";

    /// <summary>At a phase gate: save <see cref="GenerationInputRequest.Files"/> as the user's change; the run keeps waiting.</summary>
    public const string EditFiles = "edit_files";

    /// <summary>Protect <see cref="GenerationInputRequest.Paths"/> from later phases; the run keeps waiting when at a gate.</summary>
    public const string Lock = "lock";

    /// <summary>Queue <see cref="GenerationInputRequest.Instruction"/> for the next phases; at a gate or while a phase runs.</summary>
    public const string Instruct = "instruct";

    /// <summary>Cancel the generation (as <c>POST {prefix}/{id}/cancel</c>).</summary>
    public const string Cancel = "cancel";

    /// <summary>Whether <paramref name="action"/> is one of the known actions.</summary>
    /// <param name="action">An action value.</param>
    public static bool IsKnown(string? action) =>
        action is Approve or RevisePlan or EditFiles or Lock or Instruct or Cancel;
}
