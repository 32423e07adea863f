using System.Text.Json;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Iteration.Streaming.TestUtilities;
using Iteration.Streaming.Tests.Engine;

namespace Iteration.Streaming.Tests.Budgets;

/// <summary>
/// Budgets enforced live: every usage report (and estimate) is checked, the first one over the budget stops the run at
/// once with its saved phases kept, and a retry with a raised budget goes on from the last saved phase.
/// </summary>
public sealed class BudgetEnforcementTests
{
    private static readonly string[] Entities = ["User", "Task"];

    [Fact]
    public async Task UsageReport_CrossingMaxOutputTokens_StopsBudgetExceeded_KeepingTheSavedPhases()
    {
        await using var harness = EngineHarness.Create();
        ReportPerFile(harness, output: 300);

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities) { Budget = new GenerationBudget { MaxOutputTokens = 2_000 } });
        var events = await harness.ReadToEndAsync(id);
        var record = await harness.Engine.GetRecordAsync(id);
        var manifest = await harness.Sink.GetManifestAsync(id);

        events[^1].Should().Match<StreamingProgressEvent>(e =>
            e.Status == GenerationStatus.Failed && e.Stage == GenerationStages.BudgetExceeded && e.Error == "Budget exceeded: 2,100 output tokens used of 2,000 allowed");
        events.Should().Contain(e => e.Stage == "phase_1_complete").And.NotContain(e => e.Stage == "phase_2_complete");
        record!.PhasesSaved.Should().Be(1);
        record.Usage!.OutputTokens.Should().Be(2_100, "the tokens of the phase cut short were spent all the same");
        record.Stage.Should().Be(GenerationStages.BudgetExceeded);
        manifest!.Files.Should().HaveCount(5).And.OnlyContain(f => f.Phase == 1);
    }

    [Fact]
    public async Task RetryWithARaisedBudget_CompletesWithoutGeneratingTheSavedPhasesAgain()
    {
        await using var harness = EngineHarness.Create();
        ReportPerFile(harness, output: 300);
        var failed = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities) { Budget = new GenerationBudget { MaxOutputTokens = 2_000 } });
        await harness.ReadToEndAsync(failed);
        var callsBefore = harness.Generator.Calls.Count(c => c.Phase.Number == 1);

        var retry = await harness.Engine.RetryAsync(new RetryRequest(failed) { Budget = new GenerationBudget { MaxOutputTokens = 100_000 } });
        var events = await harness.ReadToEndAsync(retry);
        var record = await harness.Engine.GetRecordAsync(retry);

        events[^1].Status.Should().Be(GenerationStatus.Completed);
        harness.Generator.Calls.Count(c => c.Phase.Number == 1).Should().Be(callsBefore, "phase 1 was saved by the failed run");
        record!.Budget.Should().Be(new GenerationBudget { MaxOutputTokens = 100_000 });
        record.Usage!.OutputTokens.Should().Be(15 * 300, "the retry pays only for the 15 files of phases 2 to 5");
        Usage(events[^1]).GetProperty("output_tokens").GetInt64().Should().Be(15 * 300);
    }

    [Fact]
    public async Task EstimateOutputTokens_OfACallThatNeverEnds_StopsTheRunAtTheEstimate()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.BeforeFile = async (context, index, token) =>
        {
            context.Progress.EstimateOutputTokens(400);
            context.Progress.EstimateOutputTokens(1_200);
            await Task.Delay(Timeout.Infinite, token);
        };

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities) { Budget = new GenerationBudget { MaxOutputTokens = 1_000 } });
        var events = await harness.ReadToEndAsync(id);

        events[^1].Should().Match<StreamingProgressEvent>(e =>
            e.Stage == GenerationStages.BudgetExceeded && e.Error == "Budget exceeded: 1,200 output tokens used of 1,000 allowed");
        (await harness.Engine.GetRecordAsync(id))!.Usage!.OutputTokens.Should().Be(1_200, "an estimate cut short counts as spent");
    }

    [Fact]
    public async Task RealUsage_ReplacesTheEstimateOfItsCall()
    {
        await using var harness = EngineHarness.Create();
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            context.Progress.EstimateOutputTokens(300);
            context.Progress.AddUsage(10, 100, "model-a");
            return Task.CompletedTask;
        };

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]) { Budget = new GenerationBudget { MaxOutputTokens = 2_000 } });
        var events = await harness.ReadToEndAsync(id);

        // 16 files: had the estimates of 300 been added to the real 100s, the run would have crossed 2,000 at file 5.
        events[^1].Status.Should().Be(GenerationStatus.Completed);
        (await harness.Engine.GetRecordAsync(id))!.Usage.Should().Be(new GenerationUsage { InputTokens = 160, OutputTokens = 1_600 });
    }

    [Fact]
    public async Task MaxTotalTokens_CountsInputAndOutput()
    {
        await using var harness = EngineHarness.Create();
        ReportPerFile(harness, output: 10, input: 500);

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities) { Budget = new GenerationBudget { MaxTotalTokens = 1_000 } });
        var events = await harness.ReadToEndAsync(id);

        events[^1].Error.Should().Be("Budget exceeded: 1,020 tokens used of 1,000 allowed");
    }

    [Theory]
    [InlineData(-1L, 10L, "The generator reported an impossible token usage (-1 input, 10 output tokens)")]
    [InlineData(10L, 200_000_000L, "The generator reported an impossible token usage (10 input, 200000000 output tokens)")]
    public async Task AddUsage_ImpossibleCounts_FailTheRunSayingWhy(long input, long output, string expected)
    {
        await using var harness = EngineHarness.Create();
        ReportPerFile(harness, output: output, input: input);

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", Entities));
        var events = await harness.ReadToEndAsync(id);

        events[^1].Should().Match<StreamingProgressEvent>(e => e.Status == GenerationStatus.Failed && e.Stage == GenerationStages.Error);
        events[^1].Error.Should().StartWith(expected);
    }

    [Theory]
    [InlineData(0L, null, "budget.max_output_tokens must be at least 1 token (got 0)")]
    [InlineData(null, -5L, "budget.max_total_tokens must be at least 1 token (got -5)")]
    public async Task StartAsync_ABudgetBelowOneToken_IsRefusedNamingTheField(long? output, long? total, string expected)
    {
        await using var harness = EngineHarness.Create();

        var start = async () => await harness.Engine.StartAsync(new GenerationRequest("x") { Budget = new GenerationBudget { MaxOutputTokens = output, MaxTotalTokens = total } });

        (await start.Should().ThrowAsync<InvalidGenerationRequestException>()).Which.Message.Should().StartWith(expected);
    }

    [Fact]
    public async Task MaxPerGeneration_CapsABudgetAndIsTheDefaultOfAStartWithoutOne()
    {
        await using var harness = EngineHarness.Create(configure: o => o.Budgets.MaxPerGeneration = 1_000);

        var huge = await harness.Engine.StartAsync(new GenerationRequest("x") { Budget = new GenerationBudget { MaxOutputTokens = long.MaxValue } });
        var none = await harness.Engine.StartAsync(new GenerationRequest("y"));
        await harness.ReadToEndAsync(huge);
        await harness.ReadToEndAsync(none);

        (await harness.Engine.GetRecordAsync(huge))!.Budget.Should().Be(new GenerationBudget { MaxOutputTokens = 1_000, MaxTotalTokens = 1_000 });
        (await harness.Engine.GetRecordAsync(none))!.Budget.Should().Be(new GenerationBudget { MaxTotalTokens = 1_000 });
    }

    [Fact]
    public async Task PriceTable_AddsCostBesideUsage_OnPhaseCompleteAndCompleted()
    {
        await using var harness = EngineHarness.Create(configure: o =>
        {
            o.Budgets.Prices["model-a"] = new ModelPrice { Input = 2m, Output = 10m };
            o.Budgets.Currency = "EUR";
        });
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            context.Progress.AddUsage(1_000, 500, "model-a");
            return Task.CompletedTask;
        };

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        var events = await harness.ReadToEndAsync(id);
        var phaseOne = events.Single(e => e.Stage == "phase_1_complete");

        // Phase 1: 5 files of 1,000 input (2 per million) and 500 output (10 per million) tokens.
        Cost(phaseOne).GetProperty("amount").GetDecimal().Should().Be(0.035m);
        Cost(phaseOne).GetProperty("currency").GetString().Should().Be("EUR");
        Cost(events[^1]).GetProperty("amount").GetDecimal().Should().Be(16 * 0.007m);
        (await harness.Engine.GetRecordAsync(id))!.Cost.Should().Be(new GenerationCost { Amount = 16 * 0.007m, Currency = "EUR" });
    }

    [Theory]
    [InlineData("gpt-4.1-2025-04-14", 8)]
    [InlineData("gpt-4.1-mini-2025-04-14", 1)]
    [InlineData("unknown-model", 100)]
    public async Task PriceTable_ADatedModelName_IsPricedByTheLongestKeyThatStartsIt(string model, int perMillionOutput)
    {
        await using var harness = EngineHarness.Create(configure: o =>
        {
            o.Budgets.Prices["gpt-4.1"] = new ModelPrice { Output = 8m };
            o.Budgets.Prices["gpt-4.1-mini"] = new ModelPrice { Output = 1m };
            o.Budgets.Prices["default"] = new ModelPrice { Output = 100m };
        });
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            context.Progress.AddUsage(0, 1_000_000, model);
            return Task.CompletedTask;
        };

        var id = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]));
        var events = await harness.ReadToEndAsync(id);

        Cost(events.Single(e => e.Stage == "phase_1_complete")).GetProperty("amount").GetDecimal().Should().Be(5 * perMillionOutput);
    }

    [Fact]
    public async Task BudgetCrossedByTheReportAfterThePhasesLastFile_DoesNotSaveThatPhase_AndARetryGoesOnFromTheOneBefore()
    {
        await using var harness = EngineHarness.Create(build: b => b.AddPhaseGenerator(_ => new ReportsAtTheEnd(phase: 2, outputTokens: 5_000)));
        var failed = await harness.Engine.StartAsync(new GenerationRequest("Build a todo app", ["User"]) { Budget = new GenerationBudget { MaxOutputTokens = 1_000 } });
        var events = await harness.ReadToEndAsync(failed);

        var retry = await harness.Engine.RetryAsync(new RetryRequest(failed) { Budget = new GenerationBudget { MaxOutputTokens = 10_000 } });
        var retried = await harness.ReadToEndAsync(retry);

        events[^1].Stage.Should().Be(GenerationStages.BudgetExceeded);
        events.Should().Contain(e => e.Stage == "phase_2_progress" && e.CurrentFile == "src/user/file3.txt", "every file of phase 2 was written");
        events.Should().NotContain(e => e.Stage == "phase_2_complete");
        (await harness.Engine.GetRecordAsync(failed))!.PhasesSaved.Should().Be(1);
        retried[^1].Status.Should().Be(GenerationStatus.Completed);
        retried.Should().Contain(e => e.Stage == "phase_2_complete").And.NotContain(e => e.Stage == "phase_1_started");
    }

    /// <summary>Writes the default files of each phase, then reports usage once at the end, as a model's final usage report.</summary>
    private sealed class ReportsAtTheEnd(int phase, long outputTokens) : IPhaseGenerator
    {
        private int _reported;

        public async IAsyncEnumerable<GeneratedFile> GenerateAsync(PhaseContext context, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
        {
            foreach (var file in ScriptedGenerator.DefaultFiles(context))
            {
                await Task.Yield();
                yield return file;
            }

            if (context.Phase.Number == phase && Interlocked.Exchange(ref _reported, 1) == 0)
            {
                context.Progress.AddUsage(0, outputTokens);
            }
        }
    }

    private static void ReportPerFile(EngineHarness harness, long output, long input = 0) =>
        harness.Generator.BeforeFile = (context, index, token) =>
        {
            context.Progress.AddUsage(input, output);
            return Task.CompletedTask;
        };

    private static JsonElement Usage(StreamingProgressEvent e) => e.PartialOutput!["usage"];

    private static JsonElement Cost(StreamingProgressEvent e) => e.PartialOutput!["cost"];
}
