using System.Net;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Client.Tests.Budgets;

/// <summary>
/// The host's budget policy over real Kestrel (<c>Budgets:MaxPerGeneration</c> 10,000 and <c>OwnerTokensPerDay</c>
/// 15,000): the handle names the capped budget, and a refusal is an <see cref="IterationApiException"/> whose
/// <see cref="IterationApiException.BudgetRefusal"/> names the limit, its value, what is used and when it resets.
/// </summary>
public sealed class BudgetRefusalTests : IAsyncLifetime
{
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private IterationClient _alice = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(
            configureOptions: o =>
            {
                o.Budgets.MaxPerGeneration = 10_000;
                o.Budgets.OwnerTokensPerDay = 15_000;
            },
            generator: _generator,
            configureStreaming: b => b.AddGenerationOwnerResolver(c => ValueTask.FromResult<string?>(c.Request.Headers[RecordedRequests.UserHeader].ToString())));
        var http = _host.CreateClient();
        http.DefaultRequestHeaders.Add(RecordedRequests.UserHeader, "alice");
        _alice = new IterationClient(http);
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    [Fact]
    public async Task StartAsync_BudgetAboveTheHostsCap_HandleNamesTheCappedBudget()
    {
        var handle = await _alice.StartAsync("Build a task app", ["User"], review: null, new GenerationBudget { MaxTotalTokens = 50_000 });

        handle.Budget.Should().Be(new GenerationBudget { MaxTotalTokens = 10_000 });
        (await _generator.NextPhaseAsync()).Complete();
        await _alice.CancelAsync(handle);
    }

    [Fact]
    public async Task StartAsync_OverTheOwnersDailyAllowance_ThrowsWithTheRefusalReadable()
    {
        var running = await _alice.StartAsync("Build a task app", ["User"]);
        var phase = await _generator.NextPhaseAsync();

        var act = () => _alice.StartAsync("Build another app", ["User"], review: null, new GenerationBudget { MaxTotalTokens = 10_000 });

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.TooManyRequests);
        thrown.Message.Should().Contain("daily allowance");
        thrown.BudgetRefusal!.Limit.Should().Be(BudgetRefusal.TokensPerDay);
        thrown.BudgetRefusal.Allowed.Should().Be(15_000);
        thrown.BudgetRefusal.Used.Should().Be(10_000, "the running generation reserves its whole budget");
        thrown.BudgetRefusal.ResetsAt.Should().BeAfter(_host.Now);
        thrown.BudgetRefusal.RetryAfter.Should().BePositive();
        phase.Complete();
        await _alice.CancelAsync(running);
    }

    [Fact]
    public async Task RetryAsync_ByOwnershipOverTheDailyAllowance_ThrowsWithTheRefusalReadable()
    {
        var failed = await _alice.StartAsync("Build a task app", ["User"]);
        var watching = _alice.WatchAsync(failed).CollectAsync();
        (await _generator.NextPhaseAsync()).Fail(new GenerationFailedException("the model gave up"));
        (await watching)[^1].Status.Should().Be(GenerationStatus.Failed);
        var running = await _alice.StartAsync("Build another app", ["User"]);
        var phase = await _generator.NextPhaseAsync();

        var act = () => _alice.RetryAsync(GenerationHandle.ForOwner(failed.GenerationId), review: null, new GenerationBudget { MaxTotalTokens = 10_000 });

        (await act.Should().ThrowAsync<IterationApiException>()).Which.BudgetRefusal!.Limit.Should().Be(BudgetRefusal.TokensPerDay);
        phase.Complete();
        await _alice.CancelAsync(running);
    }
}
