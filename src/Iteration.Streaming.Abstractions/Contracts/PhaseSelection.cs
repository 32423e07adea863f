using System.Text.Json;
using System.Text.Json.Serialization;

namespace Iteration.Streaming.Contracts;

/// <summary>
/// A set of phase numbers, or every phase: <c>[1, 3]</c> or <c>"all"</c> on the wire (<see cref="ReviewRequest.AfterPhases"/>).
/// </summary>
[JsonConverter(typeof(PhaseSelectionJsonConverter))]
public sealed record PhaseSelection
{
    /// <summary>The wire value that selects every phase.</summary>
    public const string AllValue = "all";

    private PhaseSelection(bool all, IReadOnlyList<int> phases)
    {
        IsAll = all;
        Phases = phases;
    }

    /// <summary>Every phase.</summary>
    public static PhaseSelection All { get; } = new(true, []);

    /// <summary>No phase.</summary>
    public static PhaseSelection None { get; } = new(false, []);

    /// <summary>Whether every phase is selected.</summary>
    public bool IsAll { get; }

    /// <summary>The selected phase numbers, ascending and distinct; empty when <see cref="IsAll"/>.</summary>
    public IReadOnlyList<int> Phases { get; }

    /// <summary>The given phase numbers (kept as given: validation says which are out of range).</summary>
    /// <param name="phases">1-based phase numbers.</param>
    /// <returns>The selection.</returns>
    public static PhaseSelection Of(params IEnumerable<int> phases)
    {
        ArgumentNullException.ThrowIfNull(phases);
        return new(false, [.. phases.Distinct().Order()]);
    }

    /// <summary>Whether phase <paramref name="phase"/> is selected.</summary>
    /// <param name="phase">A 1-based phase number.</param>
    public bool Contains(int phase) => IsAll || Phases.Contains(phase);

    /// <inheritdoc />
    public bool Equals(PhaseSelection? other) =>
        other is not null && IsAll == other.IsAll && Phases.SequenceEqual(other.Phases);

    /// <inheritdoc />
    public override int GetHashCode() => IsAll ? 1 : Phases.Aggregate(17, static (h, p) => (h * 31) + p);

    /// <inheritdoc />
    public override string ToString() => IsAll ? AllValue : "[" + string.Join(", ", Phases) + "]";
}

/// <summary>
/// Reads and writes a <see cref="PhaseSelection"/>: an array of phase numbers, or <c>"all"</c>. Public so that other
/// assemblies' source-generated JSON contexts that hold a <see cref="PhaseSelection"/> can create it.
/// </summary>
public sealed class PhaseSelectionJsonConverter : JsonConverter<PhaseSelection>
{
    // More numbers than any plan may have phases is refused before it is held.
    private const int MaxPhases = 1000;

    /// <inheritdoc />
    public override PhaseSelection Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            return reader.ValueTextEquals(PhaseSelection.AllValue)
                ? PhaseSelection.All
                : throw new JsonException("after_phases must be an array of phase numbers or \"all\".");
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw new JsonException("after_phases must be an array of phase numbers or \"all\".");
        }

        var phases = new List<int>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (reader.TokenType != JsonTokenType.Number || !reader.TryGetInt32(out var phase))
            {
                throw new JsonException("after_phases must hold whole phase numbers.");
            }

            if (phases.Count >= MaxPhases)
            {
                throw new JsonException($"after_phases holds more than {MaxPhases} phase numbers.");
            }

            phases.Add(phase);
        }

        return PhaseSelection.Of(phases);
    }

    /// <inheritdoc />
    public override void Write(Utf8JsonWriter writer, PhaseSelection value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(value);
        if (value.IsAll)
        {
            writer.WriteStringValue(PhaseSelection.AllValue);
            return;
        }

        writer.WriteStartArray();
        foreach (var phase in value.Phases)
        {
            writer.WriteNumberValue(phase);
        }

        writer.WriteEndArray();
    }
}
