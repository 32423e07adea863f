using Iteration.Streaming.Budgets;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Iteration.Streaming.Tests.Engine;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Tests.Budgets;

/// <summary>
/// The default budget policy: a start reserves its budget against its owner's daily allowance and counts against their
/// concurrent generations; its end gives back what it did not spend. Waiting runs (review gates) keep the runs unfinished.
/// </summary>
public sealed class OwnerBudgetTests
{
    private static readonly ReviewRequest WaitAtPlan = new() { Plan = true };

    private static EngineHarness Host(long perDay = 2_500, int? concurrent = null) => EngineHarness.Create(configure: o =>
    {
        o.Budgets.MaxPerGeneration = 1_000;
        o.Budgets.OwnerTokensPerDay = perDay;
        o.Budgets.OwnerConcurrentGenerations = concurrent;
    });

    private static GenerationRequest Start(string user) => new("Build a todo app", ["User"]) { UserId = user, Review = WaitAtPlan };

    [Fact]
    public async Task StartAsync_PastTheDailyAllowance_Is429NamingTheLimitAndTheReset_AndOtherOwnersAreNotAffected()
    {
        await using var harness = Host();
        await harness.Engine.StartAsync(Start("alice"));
        await harness.Engine.StartAsync(Start("alice"));

        var third = async () => await harness.Engine.StartAsync(Start("alice"));
        var bob = await harness.Engine.StartAsync(Start("bob"));

        var refusal = (await third.Should().ThrowAsync<GenerationBudgetExceededException>()).Which;
        refusal.Limit.Should().Be(GenerationBudgetExceededException.TokensPerDay);
        refusal.Allowed.Should().Be(2_500);
        refusal.Used.Should().Be(2_000);
        refusal.ResetsAt.Should().Be(new DateTimeOffset(TestEvents.Epoch.UtcDateTime.Date.AddDays(1), TimeSpan.Zero));
        refusal.Message.Should().Be("The daily allowance of 2,500 tokens would be passed: 2,000 are spent or reserved today and this generation reserves 1,000. It resets at " +
            $"{refusal.ResetsAt:yyyy-MM-dd} 00:00 UTC.");
        bob.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task AnEndedGeneration_GivesBackWhatItDidNotSpend()
    {
        await using var harness = Host();
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            context.Progress.AddUsage(0, 10);
            return Task.CompletedTask;
        };
        var first = await harness.Engine.StartAsync(Start("alice"));
        await harness.Engine.StartAsync(Start("alice"));
        await harness.WaitForStageAsync(first, GenerationStages.AwaitingInput);

        await harness.Engine.SendInputAsync(first, new GenerationInputRequest { Action = InputActions.Approve });
        await harness.ReadToEndAsync(first);
        var third = await harness.Engine.StartAsync(Start("alice"));
        var day = await harness.Provider.GetRequiredService<IBudgetLedger>().GetDayAsync("alice", DateOnly.FromDateTime(TestEvents.Epoch.UtcDateTime));

        third.Should().NotBeNullOrEmpty();
        day.Should().Be(new BudgetDay(160 + 1_000 + 1_000, 2), "the first spent 160 of its 1,000; the others reserve theirs");
    }

    [Fact]
    public async Task StartAsync_PastTheConcurrentGenerations_Is429_UntilOneEnds()
    {
        await using var harness = Host(perDay: 100_000, concurrent: 2);
        var first = await harness.Engine.StartAsync(Start("alice"));
        await harness.Engine.StartAsync(Start("alice"));

        var refused = async () => await harness.Engine.StartAsync(Start("alice"));
        var refusal = (await refused.Should().ThrowAsync<GenerationBudgetExceededException>()).Which;
        await harness.WaitForStageAsync(first, GenerationStages.AwaitingInput);
        await harness.Engine.CancelAsync(first);
        await harness.ReadToEndAsync(first);
        var admitted = await harness.Engine.StartAsync(Start("alice"));

        refusal.Limit.Should().Be(GenerationBudgetExceededException.ConcurrentGenerations);
        refusal.Used.Should().Be(2);
        refusal.ResetsAt.Should().BeNull();
        admitted.Should().NotBeNullOrEmpty();
    }

    [Fact]
    public async Task HundredRacingStarts_AgainstADailyCap_AdmitExactlyTheCap()
    {
        await using var harness = EngineHarness.Create(configure: o =>
        {
            o.Budgets.MaxPerGeneration = 1_000;
            o.Budgets.OwnerTokensPerDay = 10_000;
            o.MaxConcurrentGenerations = 100;
        });

        var outcomes = await Task.WhenAll(Enumerable.Range(0, 100).Select(_ => Task.Run(async () =>
        {
            try
            {
                await harness.Engine.StartAsync(Start("alice"));
                return true;
            }
            catch (GenerationBudgetExceededException)
            {
                return false;
            }
        }))).WithPatience();

        outcomes.Count(admitted => admitted).Should().Be(10);
    }

    [Fact]
    public async Task AnonymousStarts_AreNotLimitedByOwnerAllowances()
    {
        await using var harness = Host(perDay: 1_000);

        var ids = new[] { await harness.Engine.StartAsync(new GenerationRequest("x") { Review = WaitAtPlan }), await harness.Engine.StartAsync(new GenerationRequest("y") { Review = WaitAtPlan }) };

        ids.Should().OnlyHaveUniqueItems();
    }

    [Fact]
    public async Task AHostPolicy_RefusesWithItsOwnLimit_AndNothingIsCreated()
    {
        await using var harness = EngineHarness.Create(build: b => b.AddBudgetPolicy<RefuseEverything>());

        var start = async () => await harness.Engine.StartAsync(new GenerationRequest("x") { UserId = "alice" });

        (await start.Should().ThrowAsync<GenerationBudgetExceededException>()).Which.Limit.Should().Be("plan_quota");
        (await harness.Engine.ListGenerationsAsync(new Iteration.Streaming.Records.GenerationRecordQuery { UserId = "alice" })).Items.Should().BeEmpty();
    }

    [Fact]
    public void Options_AnAllowanceWithoutAPerGenerationCap_IsRefusedAtStartNamingTheSetting()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o => o.Budgets.OwnerTokensPerDay = 1_000).AddPhaseGenerator(_ => new ScriptedGenerator());
        using var provider = services.BuildServiceProvider();

        var read = () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<IterationStreamingOptions>>().Value;

        read.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Message
            .Should().Contain("IterationStreaming:Budgets:OwnerTokensPerDay needs IterationStreaming:Budgets:MaxPerGeneration");
    }

    [Fact]
    public void Options_ANegativePrice_IsRefusedNamingTheModel()
    {
        var services = new ServiceCollection();
        services.AddIterationStreaming(o => o.Budgets.Prices["gpt-x"] = new ModelPrice { Input = -1m, Output = 2m }).AddPhaseGenerator(_ => new ScriptedGenerator());
        using var provider = services.BuildServiceProvider();

        var read = () => provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<IterationStreamingOptions>>().Value;

        read.Should().Throw<Microsoft.Extensions.Options.OptionsValidationException>().Which.Message.Should().Contain("Budgets:Prices:gpt-x");
    }

    private sealed class RefuseEverything : IBudgetPolicy
    {
        public ValueTask AdmitAsync(BudgetRequest request, CancellationToken cancellationToken = default) =>
            throw new GenerationBudgetExceededException("Your plan allows no more generations this month.", "plan_quota", 10, 10, resetsAt: null);

        public ValueTask SettleAsync(BudgetSettlement settlement, CancellationToken cancellationToken = default) => ValueTask.CompletedTask;
    }
}
