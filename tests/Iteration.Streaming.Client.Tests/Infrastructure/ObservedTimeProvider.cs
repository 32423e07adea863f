using System.Threading.Channels;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that reports the due time of every finite timer created on it (a <c>Task.Delay</c>
/// the client waits on), so a test awaits the client's wait, checks how long it is, then advances the clock past it:
/// no real time passes and no race with the timer's creation.
/// </summary>
public sealed class ObservedTimeProvider : TimeProvider
{
    private readonly Channel<TimeSpan> _delays = Channel.CreateUnbounded<TimeSpan>();

    public FakeTimeProvider Clock { get; } = new();

    public override TimeZoneInfo LocalTimeZone => Clock.LocalTimeZone;

    public override long TimestampFrequency => Clock.TimestampFrequency;

    public override DateTimeOffset GetUtcNow() => Clock.GetUtcNow();

    public override long GetTimestamp() => Clock.GetTimestamp();

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = Clock.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _delays.Writer.TryWrite(dueTime);
        }

        return timer;
    }

    /// <summary>Completes with the due time of the next finite timer created (once it exists, so advancing fires it).</summary>
    public Task<TimeSpan> NextDelayAsync() => _delays.Reader.ReadAsync().AsTask().WithPatience();
}
