using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iteration.Streaming.Events;

/// <summary>
/// Writes a <see cref="DateTimeOffset"/> as Unix seconds with a millisecond fraction (1760660674.205)
/// and reads any JSON number of Unix seconds back, to the millisecond.
/// </summary>
internal sealed class UnixSecondsConverter : JsonConverter<DateTimeOffset>
{
    // Far enough for any real timestamp, small enough that milliseconds never overflow.
    private const decimal MaxSeconds = 253_402_300_799m;

    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.Number || !reader.TryGetDecimal(out var seconds))
        {
            throw new JsonException($"A timestamp must be a JSON number of Unix seconds, but the token was {reader.TokenType}.");
        }

        if (seconds is < -MaxSeconds or > MaxSeconds)
        {
            throw new JsonException($"The timestamp {seconds} is outside the range of Unix seconds this library accepts.");
        }

        var milliseconds = (long)decimal.Round(seconds * 1000m, MidpointRounding.AwayFromZero);
        return DateTimeOffset.FromUnixTimeMilliseconds(milliseconds);
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteNumberValue(value.ToUnixTimeMilliseconds() / 1000m);
}
