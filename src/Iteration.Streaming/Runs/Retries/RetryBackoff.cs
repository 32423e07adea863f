using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Runs.Retries;

/// <summary>
/// The wait before automatic retry <c>n</c> (1 for the first): exponential from <see cref="RetryOptions.InitialDelay"/>,
/// with "equal jitter" (half fixed, half random, so retries of many runs spread out yet never come at once), at most
/// <see cref="RetryOptions.MaxDelay"/>; a model's <c>Retry-After</c> is waited at least.
/// </summary>
internal static class RetryBackoff
{
    /// <returns>The wait, or <see langword="null"/> when the model asks for longer than <see cref="RetryOptions.MaxDelay"/> (not retried).</returns>
    public static TimeSpan? Delay(int retry, TimeSpan? retryAfter, RetryOptions options, double random)
    {
        if (retryAfter is { } asked && asked > options.MaxDelay)
        {
            return null;
        }

        var exponential = options.InitialDelay.Ticks * Math.Pow(2, Math.Clamp(retry - 1, 0, 30));
        var capped = Math.Min(exponential, options.MaxDelay.Ticks);
        var jittered = TimeSpan.FromTicks((long)(capped / 2 + capped / 2 * Math.Clamp(random, 0, 1)));
        return retryAfter is { } wait && wait > jittered ? wait : jittered;
    }
}
