namespace Iteration.Streaming.Hosting;

/// <summary>
/// Registered once by <c>AddIterationStreaming</c>: tells that it ran (and lets <c>MapIterationStream</c> say when it did not).
/// </summary>
internal sealed class IterationStreamingMarker;
