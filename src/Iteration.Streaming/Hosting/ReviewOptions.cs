using System.Globalization;
using Iteration.Streaming.Contracts;

namespace Iteration.Streaming.Hosting;

/// <summary>The host's default review gates (<see cref="IterationStreamingOptions.DefaultReview"/>).</summary>
public sealed class ReviewOptions
{
    /// <summary>Stop once the plan is made, before any phase runs.</summary>
    public bool Plan { get; set; }

    /// <summary>Stop after these phases: <c>"all"</c>, or phase numbers separated by commas (<c>"1,3"</c>); empty for none.</summary>
    public string? AfterPhases { get; set; }

    /// <summary>These options as a request's <c>review</c>; <see langword="null"/> when they choose no gate.</summary>
    /// <returns>The review, or <see langword="null"/>.</returns>
    /// <exception cref="FormatException"><see cref="AfterPhases"/> is neither <c>"all"</c> nor a list of phase numbers.</exception>
    public ReviewRequest? ToReview()
    {
        var phases = ParseAfterPhases(AfterPhases);
        return !Plan && (phases is null || (!phases.IsAll && phases.Phases.Count == 0))
            ? null
            : new ReviewRequest { Plan = Plan, AfterPhases = phases };
    }

    internal static PhaseSelection? ParseAfterPhases(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
        {
            return null;
        }

        if (string.Equals(value.Trim(), PhaseSelection.AllValue, StringComparison.OrdinalIgnoreCase))
        {
            return PhaseSelection.All;
        }

        var numbers = new List<int>();
        foreach (var part in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var phase) || phase < 1)
            {
                throw new FormatException($"'{part}' is not a phase number (1, 2, …).");
            }

            numbers.Add(phase);
        }

        return PhaseSelection.Of(numbers);
    }
}
