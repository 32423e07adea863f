using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Sample.Console;

/// <summary>
/// What the user typed at a review gate, as the input to send: Enter (or <c>a</c>, <c>approve</c>) approves, <c>c</c> or
/// <c>cancel</c> cancels, any other text is an instruction for the next phases, approved with it.
/// </summary>
internal static class GateAnswer
{
    public const string Prompt = "Enter: approve · c: cancel · or type an instruction for the next phases (approved with it) > ";

    /// <summary>The input for a typed line; <see langword="null"/> at the end of input (no line).</summary>
    public static GenerationInputRequest? Parse(string? line)
    {
        if (line is null)
        {
            return null;
        }

        var text = line.Trim();
        return text.ToUpperInvariant() switch
        {
            "" or "A" or "APPROVE" => new GenerationInputRequest { Action = InputActions.Approve },
            "C" or "CANCEL" => new GenerationInputRequest { Action = InputActions.Cancel },
            _ => new GenerationInputRequest { Action = InputActions.Approve, Instruction = text },
        };
    }
}
