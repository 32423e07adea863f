using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Iteration.Streaming.Budgets;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// Budgets at the HTTP edge: a budget policy's refusal is a 429 Problem Details naming the limit and when it resets
/// (also as <c>Retry-After</c>); the 202 names the budget the run is held to, as the engine recorded it.
/// </summary>
public sealed class BudgetEndpointTests : IAsyncLifetime
{
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 22, 0, 0, TimeSpan.Zero);

    private readonly FakeTimeProvider _clock = new(Now);
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            configureServices: b => b.Services.AddSingleton<TimeProvider>(_clock),
            configureStreaming: s =>
            {
                s.Services.AddSingleton(new RefusingPolicy.Refusal());
                s.AddBudgetPolicy<RefusingPolicy>();
            });
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private RefusingPolicy.Refusal Refusal => _host.Services.GetRequiredService<RefusingPolicy.Refusal>();

    private Task<HttpResponseMessage> StartAsync(GenerationBudget? budget = null) =>
        _client.PostAsJsonAsync("generations", new StartGenerationRequest { Prompt = "Build a task app", Budget = budget }, IterationStreamingJson.StartGenerationRequest);

    [Fact]
    public async Task Start_PolicyRefuses_Answers429ProblemNamingTheLimit()
    {
        Refusal.Exception = new GenerationBudgetExceededException(
            "Daily budget reached: 98,000 of 100,000 tokens used today.", GenerationBudgetExceededException.TokensPerDay, 100_000, 98_000, Now.AddSeconds(90.2));

        using var response = await StartAsync(new GenerationBudget { MaxTotalTokens = 5_000 });
        var detail = await response.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        detail.Should().Be("Daily budget reached: 98,000 of 100,000 tokens used today.");
        json.RootElement.GetProperty("type").GetString().Should().Be(GenerationBudgetExceededException.ProblemType);
        json.RootElement.GetProperty("limit").GetString().Should().Be("owner_tokens_per_day");
        json.RootElement.GetProperty("allowed").GetInt64().Should().Be(100_000);
        json.RootElement.GetProperty("used").GetInt64().Should().Be(98_000);
        json.RootElement.GetProperty("resets_at").GetDateTimeOffset().Should().Be(Now.AddSeconds(90.2));
        response.Headers.RetryAfter!.Delta.Should().Be(TimeSpan.FromSeconds(91));
    }

    [Fact]
    public async Task Start_PolicyRefusesWithoutAReset_Answers429WithoutRetryAfter()
    {
        Refusal.Exception = new GenerationBudgetExceededException(
            "3 generations are running already.", GenerationBudgetExceededException.ConcurrentGenerations, 3, 3, resetsAt: null);

        using var response = await StartAsync();
        await response.ShouldBeProblemAsync(HttpStatusCode.TooManyRequests);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());

        json.RootElement.GetProperty("limit").GetString().Should().Be("owner_concurrent_generations");
        json.RootElement.TryGetProperty("resets_at", out _).Should().BeFalse();
        response.Headers.RetryAfter.Should().BeNull();
    }

    [Fact]
    public async Task Start_PolicyRefuses_StartsNothing()
    {
        Refusal.Exception = new GenerationBudgetExceededException("No.", "host_limit", 1, 1, resetsAt: null);

        using var response = await StartAsync();

        response.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        response.Headers.Location.Should().BeNull();
        response.Headers.CacheControl!.NoStore.Should().BeTrue();
    }

    [Fact]
    public async Task Start_RefusedWithAnIdempotencyKey_KeyIsFreeForTheNextTry()
    {
        Refusal.Exception = new GenerationBudgetExceededException("No.", "host_limit", 1, 1, resetsAt: null);
        var key = Guid.NewGuid().ToString();
        using (var refused = await SendWithKeyAsync(key))
        {
            refused.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        }

        Refusal.Exception = null;
        using var admitted = await SendWithKeyAsync(key);

        admitted.StatusCode.Should().Be(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task Start_Admitted_202NamesTheBudgetTheEngineRecorded()
    {
        using var response = await StartAsync(new GenerationBudget { MaxOutputTokens = 2_000 });
        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = json.RootElement.GetProperty("generation_id").GetString()!;

        var recorded = (await _host.Records.GetAsync(id))!.Budget;
        var answered = json.RootElement.TryGetProperty("budget", out var budget) ? budget.Deserialize(IterationStreamingJson.GenerationBudget) : null;

        answered.Should().Be(recorded);
        Refusal.Asked.Should().ContainSingle().Which.Budget.Should().Be(new GenerationBudget { MaxOutputTokens = 2_000 });
    }

    private async Task<HttpResponseMessage> SendWithKeyAsync(string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations")
        {
            Content = JsonContent.Create(new StartGenerationRequest { Prompt = "Build a task app" }, IterationStreamingJson.StartGenerationRequest),
        };
        request.Headers.Add("Idempotency-Key", key);
        return await _client.SendAsync(request);
    }

    /// <summary>A host's budget policy that refuses with the exception a test sets, and remembers what it was asked.</summary>
    private sealed class RefusingPolicy(RefusingPolicy.Refusal refusal) : IBudgetPolicy
    {
        public ValueTask AdmitAsync(BudgetRequest request, CancellationToken cancellationToken = default)
        {
            lock (refusal.Asked)
            {
                refusal.Asked.Add(request);
            }

            return refusal.Exception is { } exception ? ValueTask.FromException(exception) : ValueTask.CompletedTask;
        }

        public ValueTask SettleAsync(BudgetSettlement settlement, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;

        public sealed class Refusal
        {
            public GenerationBudgetExceededException? Exception { get; set; }

            public List<BudgetRequest> Asked { get; } = [];
        }
    }
}
