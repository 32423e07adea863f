using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Iteration.Streaming.Client.Tests.Infrastructure;

/// <summary>
/// Answers a start, iterate or retry that carries <see cref="Header"/> with the 429 Problem Details the AspNetCore
/// package documents for a budget refusal (type, detail, <c>limit</c>, <c>allowed</c>, <c>used</c>, <c>resets_at</c>,
/// and <c>Retry-After</c>); every other request goes on to the real endpoints. It stands in for a host budget policy
/// while the engine's admission does not ask one yet.
/// </summary>
public static class BudgetRefusalStandIn
{
    public const string Header = "X-Test-Refuse-Budget";

    public static readonly DateTimeOffset ResetsAt = new(2026, 12, 7, 0, 0, 0, TimeSpan.Zero);

    public static void Use(WebApplication app) =>
        app.Use(async (context, next) =>
        {
            if (!HttpMethods.IsPost(context.Request.Method) || !context.Request.Headers.ContainsKey(Header))
            {
                await next(context);
                return;
            }

            context.Response.Headers.RetryAfter = "3600";
            await Results.Problem(
                statusCode: StatusCodes.Status429TooManyRequests,
                type: BudgetRefusal.ProblemType,
                title: "Budget exceeded",
                detail: "The daily allowance of 100,000 tokens is used: 99,000 spent or reserved, 20,000 asked.",
                extensions: new Dictionary<string, object?>
                {
                    ["limit"] = BudgetRefusal.TokensPerDay,
                    ["allowed"] = 100_000L,
                    ["used"] = 99_000L,
                    ["resets_at"] = ResetsAt,
                }).ExecuteAsync(context);
        });
}
