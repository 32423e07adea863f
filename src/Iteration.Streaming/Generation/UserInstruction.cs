namespace Iteration.Streaming.Generation;

/// <summary>An instruction the user gave the model while a generation ran (<see cref="PhaseContext.Instructions"/>).</summary>
/// <param name="Text">The instruction, as the user wrote it.</param>
/// <param name="Phase">The phase that ran (or whose review gate was open) when it arrived; 0 at the plan's review.</param>
public sealed record UserInstruction(string Text, int Phase);
