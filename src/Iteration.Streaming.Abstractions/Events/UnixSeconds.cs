using System.Text.Json;

namespace Iteration.Streaming.Events;

/// <summary>
/// Converts between <see cref="DateTimeOffset"/> and Unix seconds with a millisecond fraction (1760660674.205).
/// </summary>
internal static class UnixSeconds
{
    // Far enough for any real timestamp, small enough that milliseconds never overflow.
    private const decimal MaxSeconds = 253_402_300_799m;

    public static decimal FromDateTimeOffset(DateTimeOffset value) => value.ToUnixTimeMilliseconds() / 1000m;

    public static DateTimeOffset ToDateTimeOffset(decimal seconds)
    {
        if (seconds is < -MaxSeconds or > MaxSeconds)
        {
            throw new JsonException($"The timestamp {seconds} is outside the range of Unix seconds this library accepts.");
        }

        return DateTimeOffset.FromUnixTimeMilliseconds((long)decimal.Round(seconds * 1000m, MidpointRounding.AwayFromZero));
    }
}
