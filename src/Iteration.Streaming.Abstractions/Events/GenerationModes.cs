namespace Iteration.Streaming.Events;

/// <summary>
/// The values of <see cref="StreamingProgressEvent.GenerationMode"/> on the wire.
/// </summary>
public static class GenerationModes
{
    /// <summary>The classic pipeline.</summary>
    public const string Classic = "classic";

    /// <summary>The enhanced pipeline.</summary>
    public const string Enhanced = "enhanced";
}
