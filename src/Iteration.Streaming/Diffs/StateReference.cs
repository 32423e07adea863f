using System.Globalization;
using Iteration.Streaming.Engine;

namespace Iteration.Streaming.Diffs;

/// <summary>
/// A saved state of files as a request names it: another generation's id (its files now), or <c>phase:{k}</c> (the
/// files of the generation asked about, after its phase k was saved; <c>phase:0</c> is what it started with).
/// </summary>
internal readonly record struct StateReference(string? GenerationId, int? Phase)
{
    public const string PhasePrefix = "phase:";

    /// <summary>Longer than any generation id a host generates; a longer value is refused before any lookup.</summary>
    private const int MaxLength = 256;

    /// <summary>Parses <paramref name="value"/>, naming <paramref name="field"/> in the error.</summary>
    /// <exception cref="InvalidGenerationRequestException">The value is missing or malformed.</exception>
    public static StateReference Parse(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            throw new InvalidGenerationRequestException($"'{field}' is required: a generation id, or phase:{{k}} for a saved phase.");
        }

        if (value.Length > MaxLength)
        {
            throw new InvalidGenerationRequestException($"'{field}' is {value.Length} characters long; a generation id or phase:{{k}} is at most {MaxLength}.");
        }

        if (value.StartsWith(PhasePrefix, StringComparison.Ordinal))
        {
            var number = value.AsSpan(PhasePrefix.Length);
            if (number.Length is 0 or > 4
                || !int.TryParse(number, NumberStyles.None, CultureInfo.InvariantCulture, out var phase)
                || (number.Length > 1 && number[0] == '0'))
            {
                throw new InvalidGenerationRequestException($"'{field}' names the phase '{value[PhasePrefix.Length..]}'; write phase:{{k}} with k a phase number (0 for the files the generation started with).");
            }

            return new StateReference(null, phase);
        }

        if (!Files.GenerationStorageId.IsValid(value))
        {
            throw new InvalidGenerationRequestException($"'{field}' is neither a generation id nor phase:{{k}}.");
        }

        return new StateReference(value, null);
    }

    public override string ToString() => Phase is { } phase ? PhasePrefix + phase.ToString(CultureInfo.InvariantCulture) : GenerationId!;
}
