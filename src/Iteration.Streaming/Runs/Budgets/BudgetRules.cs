using System.Globalization;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Hosting;

namespace Iteration.Streaming.Runs.Budgets;

/// <summary>
/// The budget a generation is held to: the request's (checked: each limit at least 1), else the one it inherits (a
/// retry keeps the retried generation's), else the host's default; every limit capped by <c>Budgets:MaxPerGeneration</c>.
/// </summary>
internal static class BudgetRules
{
    public static GenerationBudget? Effective(GenerationBudget? requested, GenerationBudget? inherited, BudgetOptions budgets)
    {
        if (requested is not null)
        {
            Check(requested.MaxOutputTokens, "budget.max_output_tokens");
            Check(requested.MaxTotalTokens, "budget.max_total_tokens");
        }

        var cap = budgets.MaxPerGeneration;
        var chosen = requested is { MaxOutputTokens: not null } or { MaxTotalTokens: not null } ? requested : inherited;
        if (chosen is null or { MaxOutputTokens: null, MaxTotalTokens: null })
        {
            return cap is { } defaultTotal ? new GenerationBudget { MaxTotalTokens = defaultTotal } : null;
        }

        return new GenerationBudget
        {
            MaxOutputTokens = Capped(chosen.MaxOutputTokens, cap),
            // With a cap, a budget of output tokens only is still bounded in total (the daily allowance reserves it).
            MaxTotalTokens = Capped(chosen.MaxTotalTokens, cap) ?? cap,
        };
    }

    private static long? Capped(long? value, long? cap) => value is { } v && cap is { } c ? Math.Min(v, c) : value;

    private static void Check(long? value, string field)
    {
        if (value is < 1)
        {
            throw new InvalidGenerationRequestException(string.Create(
                CultureInfo.InvariantCulture, $"{field} must be at least 1 token (got {value}); leave it out for the host's default budget."));
        }
    }
}
