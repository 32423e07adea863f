using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Security;

/// <summary>
/// The lifetime rules every token of ours follows against a generation's record: a live run keeps a token valid; an ended
/// run keeps it valid until <see cref="IterationStreamingOptions.TerminalGracePeriod"/> after its end, and a token issued
/// after the end only for <see cref="IterationStreamingOptions.TokenLifetime"/> within that.
/// </summary>
internal static class TokenLifetime
{
    /// <summary>Whether a token issued at <paramref name="issuedAt"/> still holds for the run of <paramref name="record"/>.</summary>
    public static bool IsLive(GenerationRecord record, DateTimeOffset issuedAt, IterationStreamingOptions options, DateTimeOffset now)
    {
        if (record.EndedAt is not { } endedAt)
        {
            return true;
        }

        if (now >= endedAt + options.TerminalGracePeriod)
        {
            return false;
        }

        // Issued while the run was live: the whole grace. Issued after it ended: its lifetime, within the grace.
        return issuedAt < endedAt || now < issuedAt + options.TokenLifetime;
    }

    /// <summary>Whether a token issued at <paramref name="issuedAt"/> is within <see cref="IterationStreamingOptions.MaxTokenLifetime"/> (either way).</summary>
    public static bool IsWithinHardCap(DateTimeOffset issuedAt, IterationStreamingOptions options, DateTimeOffset now) =>
        now - issuedAt < options.MaxTokenLifetime && issuedAt - now < options.MaxTokenLifetime;
}
