using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.AspNetCore.Tests.Endpoints;

/// <summary>
/// The budget of start and iterate reaches the engine, and the 202 names the budget the run is held to: the one asked
/// for under the host's cap (which bounds the total too), the cap above it, the cap as the default; a budget below 1 is
/// a 400 naming its field.
/// </summary>
public sealed class BudgetAdmissionTests : IAsyncLifetime
{
    private const long Cap = 10_000;

    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(configureOptions: o => o.Budgets.MaxPerGeneration = Cap);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private async Task<GenerationStartedResponse> StartAsync(GenerationBudget? budget, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "generations")
        {
            Content = JsonContent.Create(new StartGenerationRequest { Prompt = "Build a task app", Entities = ["User"], Budget = budget }, IterationStreamingJson.StartGenerationRequest),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        using var response = await _client.SendAsync(request);
        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
    }

    [Fact]
    public async Task Start_BudgetUnderTheCap_202NamesIt()
    {
        var started = await StartAsync(new GenerationBudget { MaxOutputTokens = 2_000 });

        // The host's cap bounds the total too, so an output budget comes back with it.
        started.Budget.Should().Be(new GenerationBudget { MaxOutputTokens = 2_000, MaxTotalTokens = Cap });
        (await _host.Records.GetAsync(started.GenerationId))!.Budget.Should().Be(started.Budget);
    }

    [Fact]
    public async Task Start_BudgetOverTheCap_202NamesTheCap()
    {
        var started = await StartAsync(new GenerationBudget { MaxTotalTokens = 1_000_000 });

        started.Budget.Should().Be(new GenerationBudget { MaxTotalTokens = Cap });
    }

    [Fact]
    public async Task Start_WithoutABudget_202NamesTheHostsDefault()
    {
        var started = await StartAsync(budget: null);

        started.Budget.Should().Be(new GenerationBudget { MaxTotalTokens = Cap });
    }

    [Fact]
    public async Task Start_RepeatedWithItsIdempotencyKey_ReplayNamesTheSameBudget()
    {
        var key = Guid.NewGuid().ToString();
        var first = await StartAsync(new GenerationBudget { MaxOutputTokens = 3_000 }, key);

        var replay = await StartAsync(new GenerationBudget { MaxOutputTokens = 3_000 }, key);

        replay.GenerationId.Should().Be(first.GenerationId);
        replay.Budget.Should().Be(new GenerationBudget { MaxOutputTokens = 3_000, MaxTotalTokens = Cap });
    }

    [Theory]
    [InlineData("max_output_tokens", 0)]
    [InlineData("max_output_tokens", -1)]
    [InlineData("max_total_tokens", 0)]
    [InlineData("max_total_tokens", long.MinValue)]
    public async Task Start_BudgetBelowOne_Answers400NamingTheField(string field, long value)
    {
        using var response = await _client.PostAsync(
            "generations", new StringContent($"{{\"prompt\":\"x\",\"budget\":{{\"{field}\":{value}}}}}", System.Text.Encoding.UTF8, "application/json"));

        (await response.ShouldBeProblemAsync(HttpStatusCode.BadRequest)).Should().Contain("budget." + field);
    }

    [Fact]
    public async Task Iterate_WithABudget_202NamesIt()
    {
        var parent = await StartAsync(budget: null);
        using (var stream = await _client.GetStreamAsync(parent.GenerationId, parent.SseToken))
        {
            (await stream.ReadAllEventsAsync())[^1].ToProgressEvent().Status.Should().Be(GenerationStatus.Completed);
        }

        using var request = new HttpRequestMessage(HttpMethod.Post, "generations/iterate")
        {
            Content = JsonContent.Create(
                new IterateGenerationRequest { ParentGenerationId = parent.GenerationId, ModificationPrompt = "Add due dates", Budget = new GenerationBudget { MaxOutputTokens = 500 } },
                IterationStreamingJson.IterateGenerationRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", parent.ControlToken);
        using var response = await _client.SendAsync(request);

        response.StatusCode.Should().Be(HttpStatusCode.Accepted, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!.Budget
            .Should().Be(new GenerationBudget { MaxOutputTokens = 500, MaxTotalTokens = Cap });
    }
}
