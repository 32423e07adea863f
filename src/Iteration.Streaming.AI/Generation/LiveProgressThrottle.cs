namespace Iteration.Streaming.AI.Generation;

/// <summary>
/// Spaces one generation's live reports at least an interval apart, on the <see cref="TimeProvider"/>'s clock. The
/// first report of a generation passes at once.
/// </summary>
internal sealed class LiveProgressThrottle(TimeProvider timeProvider)
{
    private string? _generationId;
    private long _last;

    /// <summary>Whether a report of <paramref name="generationId"/> may go now; if so, counts it.</summary>
    public bool TryEnter(string generationId, TimeSpan interval)
    {
        var now = timeProvider.GetTimestamp();
        if (string.Equals(_generationId, generationId, StringComparison.Ordinal) && timeProvider.GetElapsedTime(_last, now) < interval)
        {
            return false;
        }

        _generationId = generationId;
        _last = now;
        return true;
    }

    /// <summary>How long until a report of <paramref name="generationId"/> may go (zero when it may now).</summary>
    public TimeSpan Remaining(string generationId, TimeSpan interval)
    {
        if (!string.Equals(_generationId, generationId, StringComparison.Ordinal))
        {
            return TimeSpan.Zero;
        }

        var left = interval - timeProvider.GetElapsedTime(_last);
        return left > TimeSpan.Zero ? left : TimeSpan.Zero;
    }
}
