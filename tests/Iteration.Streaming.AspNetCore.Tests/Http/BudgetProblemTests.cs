using System.Text.Json;
using Iteration.Streaming.AspNetCore.Http;
using Iteration.Streaming.Engine;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Http;

/// <summary>
/// How a <see cref="GenerationBudgetExceededException"/> is answered, whichever endpoint it reaches: 429 Problem Details
/// of the budget type, with the limit, its value, what is used and when it resets, and <c>Retry-After</c> then.
/// </summary>
public sealed class BudgetProblemTests
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 23, 0, 0, TimeSpan.Zero);

    private static async Task<(HttpResponse Response, JsonElement Body)> FailAsync(GenerationBudgetExceededException exception)
    {
        var services = new ServiceCollection().AddLogging().AddSingleton<TimeProvider>(new FakeTimeProvider(Now)).BuildServiceProvider();
        var context = new DefaultHttpContext { RequestServices = services };
        context.Response.Body = new MemoryStream();

        await EndpointErrors.FailAsync(context, NullLogger.Instance, exception);

        context.Response.Body.Position = 0;
        using var json = await JsonDocument.ParseAsync(context.Response.Body);
        return (context.Response, json.RootElement.Clone());
    }

    [Fact]
    public async Task Fail_BudgetExceededWithAReset_Answers429WithEveryFieldAndRetryAfter()
    {
        var (response, body) = await FailAsync(new GenerationBudgetExceededException(
            "Daily budget reached.", GenerationBudgetExceededException.TokensPerDay, 100_000, 99_500, Now.AddMinutes(59).AddSeconds(0.5)));

        response.StatusCode.Should().Be(StatusCodes.Status429TooManyRequests);
        response.ContentType.Should().StartWith("application/problem+json");
        response.Headers.RetryAfter.ToString().Should().Be("3541");
        response.Headers.CacheControl.ToString().Should().Be("no-store");
        body.GetProperty("type").GetString().Should().Be(GenerationBudgetExceededException.ProblemType);
        body.GetProperty("status").GetInt32().Should().Be(429);
        body.GetProperty("detail").GetString().Should().Be("Daily budget reached.");
        body.GetProperty("limit").GetString().Should().Be("owner_tokens_per_day");
        body.GetProperty("allowed").GetInt64().Should().Be(100_000);
        body.GetProperty("used").GetInt64().Should().Be(99_500);
        body.GetProperty("resets_at").GetDateTimeOffset().Should().Be(Now.AddMinutes(59).AddSeconds(0.5));
    }

    [Fact]
    public async Task Fail_BudgetExceededWithoutAReset_HasNoRetryAfterNorResetsAt()
    {
        var (response, body) = await FailAsync(new GenerationBudgetExceededException(
            "3 running.", GenerationBudgetExceededException.ConcurrentGenerations, 3, 3, resetsAt: null));

        response.StatusCode.Should().Be(StatusCodes.Status429TooManyRequests);
        response.Headers.ContainsKey("Retry-After").Should().BeFalse();
        body.TryGetProperty("resets_at", out _).Should().BeFalse();
        body.GetProperty("limit").GetString().Should().Be("owner_concurrent_generations");
    }

    [Fact]
    public async Task Fail_BudgetResetAlreadyPast_RetryAfterIsZero()
    {
        var (response, _) = await FailAsync(new GenerationBudgetExceededException("No.", "host_limit", 1, 1, Now.AddSeconds(-5)));

        response.Headers.RetryAfter.ToString().Should().Be("0");
    }

    [Fact]
    public async Task Fail_BudgetExceededWithOnlyAMessage_Answers429WithTheType()
    {
        var (response, body) = await FailAsync(new GenerationBudgetExceededException("Over the host's budget."));

        response.StatusCode.Should().Be(StatusCodes.Status429TooManyRequests);
        body.GetProperty("type").GetString().Should().Be(GenerationBudgetExceededException.ProblemType);
        body.GetProperty("detail").GetString().Should().Be("Over the host's budget.");
        body.TryGetProperty("limit", out _).Should().BeFalse("no limit was named");
        body.TryGetProperty("allowed", out _).Should().BeFalse();
    }
}
