namespace Iteration.Streaming.Events;

/// <summary>The values of <see cref="InputRequest.Kind"/>.</summary>
public static class InputRequestKinds
{
    /// <summary>The plan is made and nothing is generated yet: approve it, or revise it.</summary>
    public const string Plan = "plan";

    /// <summary>A phase is saved: review its files (edit, lock, instruct), then approve the next phase.</summary>
    public const string Phase = "phase";
}
