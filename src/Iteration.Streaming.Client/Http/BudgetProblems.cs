using System.Globalization;
using System.Text.Json;

namespace Iteration.Streaming.Client.Http;

/// <summary>Reads a budget refusal out of a Problem Details body (its <c>limit</c>, <c>allowed</c>, <c>used</c> and <c>resets_at</c> members).</summary>
internal static class BudgetProblems
{
    public static BudgetRefusal? Read(ApiProblem? problem, TimeSpan? retryAfter)
    {
        if (problem is null || !string.Equals(problem.Type, BudgetRefusal.ProblemType, StringComparison.Ordinal))
        {
            return null;
        }

        // A member of another shape is left out rather than failing the whole error: the detail still says what happened.
        return new BudgetRefusal
        {
            Limit = problem.Extensions.TryGetValue("limit", out var limit) && limit.ValueKind == JsonValueKind.String ? limit.GetString()! : string.Empty,
            Allowed = Number(problem, "allowed"),
            Used = Number(problem, "used"),
            ResetsAt = Time(problem, "resets_at"),
            RetryAfter = retryAfter,
        };
    }

    private static long? Number(ApiProblem problem, string name) =>
        problem.Extensions.TryGetValue(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt64(out var number)
            ? number
            : null;

    private static DateTimeOffset? Time(ApiProblem problem, string name) =>
        problem.Extensions.TryGetValue(name, out var value)
        && value.ValueKind == JsonValueKind.String
        && DateTimeOffset.TryParse(value.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var time)
            ? time
            : null;
}
