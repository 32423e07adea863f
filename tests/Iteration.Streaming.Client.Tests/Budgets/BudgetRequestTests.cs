using System.Net;
using System.Text.Json;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Microsoft.AspNetCore.Builder;

namespace Iteration.Streaming.Client.Tests.Budgets;

/// <summary>
/// Budgets through the client over real Kestrel: start, iterate and retry send <c>budget</c> in their body, and the
/// handle keeps the budget the 202 names. Refusals: <see cref="BudgetRefusalTests"/>.
/// </summary>
public sealed class BudgetRequestTests : IAsyncLifetime
{
    private readonly RecordedRequests _requests = new();
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            generator: _generator,
            configureApp: app =>
            {
                _requests.Use(app);
                app.MapIterationStream();
            });
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static JsonElement BudgetSent(RecordedRequest request) =>
        JsonDocument.Parse(request.Body).RootElement.GetProperty("budget");

    private async Task<GenerationHandle> FailedAsync()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        var watching = _client.WatchAsync(handle).CollectAsync();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        (await _generator.NextPhaseAsync()).Fail(new GenerationFailedException("the model gave up"));
        (await watching)[^1].Status.Should().Be(GenerationStatus.Failed);
        return handle;
    }

    [Fact]
    public async Task StartAsync_WithBudget_SendsItInTheBody()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], review: null, new GenerationBudget { MaxOutputTokens = 2_000 });

        var budget = BudgetSent(_requests.Last("POST", "/generations"));
        budget.GetProperty("max_output_tokens").GetInt64().Should().Be(2_000);
        budget.TryGetProperty("max_total_tokens", out _).Should().BeFalse();
        handle.Budget.Should().Be(new GenerationBudget { MaxOutputTokens = 2_000 }, "the 202 names the budget the run is held to");
        (await _generator.NextPhaseAsync()).Complete();
        await _client.CancelAsync(handle);
    }

    [Fact]
    public async Task RetryAsync_WithRaisedBudget_SendsItAndStartsTheRetry()
    {
        var failed = await FailedAsync();

        var retry = await _client.RetryAsync(failed, review: null, new GenerationBudget { MaxTotalTokens = 50_000 });

        retry.RetryOf.Should().Be(failed.GenerationId);
        var request = _requests.Last("POST", $"/generations/{failed.GenerationId}/retry");
        BudgetSent(request).GetProperty("max_total_tokens").GetInt64().Should().Be(50_000);
        request.Authorization.Should().Be($"Bearer {failed.ControlToken}");
        await _client.CancelAsync(retry);
    }

    [Fact]
    public async Task RetryAsync_WithoutReviewOrBudget_SendsNoBody()
    {
        var failed = await FailedAsync();

        var retry = await _client.RetryAsync(failed, review: null, budget: null);

        _requests.Last("POST", $"/generations/{failed.GenerationId}/retry").Body.Should().BeEmpty();
        await _client.CancelAsync(retry);
    }

    [Fact]
    public async Task IterateAsync_WithBudget_SendsItBesideThePrompt()
    {
        var parent = await _client.StartAsync("Build a task app", ["User"]);
        var watching = _client.WatchAsync(parent).CollectAsync();
        for (var phase = 1; phase <= 4; phase++)
        {
            (await _generator.NextPhaseAsync()).Yield($"src/Phase{phase}.cs", "// code").Complete();
        }

        (await watching)[^1].Status.Should().Be(GenerationStatus.Completed);

        var iteration = await _client.IterateAsync(parent, "Add due dates", review: null, new GenerationBudget { MaxTotalTokens = 9_000, MaxOutputTokens = 3_000 });

        var body = JsonDocument.Parse(_requests.Last("POST", "/generations/iterate").Body).RootElement;
        body.GetProperty("modification_prompt").GetString().Should().Be("Add due dates");
        body.GetProperty("budget").GetProperty("max_total_tokens").GetInt64().Should().Be(9_000);
        body.GetProperty("budget").GetProperty("max_output_tokens").GetInt64().Should().Be(3_000);
        await _client.CancelAsync(iteration);
    }

    public static TheoryData<GenerationBudget, string> BadBudgets => new()
    {
        { new GenerationBudget { MaxOutputTokens = 0 }, "budget.max_output_tokens" },
        { new GenerationBudget { MaxOutputTokens = -5 }, "budget.max_output_tokens" },
        { new GenerationBudget { MaxTotalTokens = 0 }, "budget.max_total_tokens" },
        { new GenerationBudget { MaxTotalTokens = long.MinValue, MaxOutputTokens = 10 }, "budget.max_total_tokens" },
    };

    [Theory]
    [MemberData(nameof(BadBudgets))]
    public async Task StartIterateAndRetry_BudgetBelowOne_ThrowNamingTheFieldBeforeAnyRequest(GenerationBudget budget, string field)
    {
        var handle = new GenerationHandle("g-1", "t") { ControlToken = "c" };

        var start = () => _client.StartAsync("Build a task app", null, null, budget);
        var iterate = () => _client.IterateAsync(handle, "More", null, budget);
        var iterateById = () => _client.IterateAsync("g-1", "More", null, budget);
        var retry = () => _client.RetryAsync(handle, null, budget);

        foreach (var act in new[] { start, iterate, iterateById, retry })
        {
            (await act.Should().ThrowAsync<ArgumentOutOfRangeException>()).Which.Message.Should().Contain(field);
        }

        _requests.All.Should().BeEmpty();
    }

    [Fact]
    public async Task RetryAsync_RunningGeneration_ConflictHasNoBudgetRefusal()
    {
        var running = await _client.StartAsync("Build a task app");
        var phase = await _generator.NextPhaseAsync();

        var act = () => _client.RetryAsync(running, review: null, new GenerationBudget { MaxTotalTokens = 1_000 });

        (await act.Should().ThrowAsync<IterationApiException>()).Which.BudgetRefusal.Should().BeNull();
        phase.Complete();
        await _client.CancelAsync(running);
    }
}
