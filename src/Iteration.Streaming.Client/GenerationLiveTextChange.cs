namespace Iteration.Streaming.Client;

/// <summary>What <see cref="GenerationLiveText.Apply"/> did with an event.</summary>
public enum GenerationLiveTextChange
{
    /// <summary>The event carries no live text (another stage, or a <c>{file, chars, tail}</c> of an older server); nothing changed.</summary>
    None,

    /// <summary>A delta was applied: the text of <see cref="GenerationLiveText.CurrentFile"/> changed.</summary>
    Updated,

    /// <summary>
    /// The live texts ended: the phase completed (its files are saved: read them from the file list), another phase
    /// started, or the interrupted phase starts again from its beginning.
    /// </summary>
    Ended,

    /// <summary>
    /// The delta starts past the known text (text was missed, such as after watching from an event id without
    /// <see cref="GenerationLiveText.Load"/>), or is not a valid delta: nothing changed. Read
    /// <see cref="IterationClient.GetLiveAsync(GenerationHandle, CancellationToken)"/>, load it and watch from its sequence.
    /// </summary>
    Gap,
}
