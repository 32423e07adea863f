namespace Iteration.Streaming.Client.Watching;

/// <summary>
/// How long <see cref="IterationClient"/> waits before reconnecting: the base delay (the server's <c>retry:</c>, else
/// the configured initial delay) after the first failure, then doubling per failure up to the cap, with "equal jitter"
/// (half fixed, half random) so clients dropped together do not come back in step.
/// </summary>
internal static class ReconnectBackoff
{
    /// <param name="failures">Failed attempts in a row, 1 or more.</param>
    /// <param name="baseDelay">The first delay.</param>
    /// <param name="maxDelay">The cap.</param>
    /// <param name="random">A number in [0, 1) that places the delay in the jitter band.</param>
    public static TimeSpan Delay(int failures, TimeSpan baseDelay, TimeSpan maxDelay, double random)
    {
        var first = Math.Min(baseDelay.TotalMilliseconds, maxDelay.TotalMilliseconds);
        if (failures <= 1)
        {
            return TimeSpan.FromMilliseconds(first);
        }

        var exponential = first * Math.Pow(2, Math.Min(failures - 1, 30));
        var capped = Math.Min(exponential, maxDelay.TotalMilliseconds);
        return TimeSpan.FromMilliseconds((capped / 2) + (random * capped / 2));
    }
}
