using BenchmarkDotNet.Attributes;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;
using Iteration.Streaming.Runs.Budgets;

namespace Iteration.Streaming.Benchmarks;

/// <summary>
/// What the live budget check adds to a usage report (<c>IPhaseProgress.AddUsage</c> / <c>EstimateOutputTokens</c>): the
/// baseline is a report of a generation without a budget (only the sums kept under the run's lock). Target: the check
/// adds under 1 µs per report.
/// </summary>
[MemoryDiagnoser]
public class BudgetCheckBenchmarks
{
    private const int Reports = 200_000;
    private static readonly BudgetOptions NoPrices = new();
    private static readonly BudgetOptions Priced = new() { Prices = new(StringComparer.OrdinalIgnoreCase) { ["gpt-4.1"] = new ModelPrice { Input = 2m, Output = 8m } } };

    private RunSpend _unbudgeted = null!;
    private RunSpend _budgeted = null!;

    [IterationSetup]
    public void Setup()
    {
        _unbudgeted = new RunSpend(Record(budget: null));
        _budgeted = new RunSpend(Record(new GenerationBudget { MaxOutputTokens = long.MaxValue / 2, MaxTotalTokens = long.MaxValue / 2 }));
    }

    [Benchmark(Baseline = true, OperationsPerInvoke = Reports, Description = "usage report, no budget")]
    public object? Unbudgeted() => Report(_unbudgeted, NoPrices, "gpt-4.1");

    [Benchmark(OperationsPerInvoke = Reports, Description = "usage report, checked against a budget")]
    public object? Budgeted() => Report(_budgeted, NoPrices, "gpt-4.1");

    [Benchmark(OperationsPerInvoke = Reports, Description = "usage report, budget + priced (dated model name)")]
    public object? BudgetedAndPriced() => Report(_budgeted, Priced, "gpt-4.1-2025-04-14");

    [Benchmark(OperationsPerInvoke = Reports, Description = "output estimate, checked against a budget")]
    public object? Estimated()
    {
        object? stop = null;
        for (var i = 1; i <= Reports; i++)
        {
            stop = _budgeted.Estimate(i * 25);
        }

        return stop;
    }

    private static object? Report(RunSpend spend, BudgetOptions budgets, string model)
    {
        object? stop = null;
        for (var i = 0; i < Reports; i++)
        {
            stop = spend.Add(120, 35, model, budgets);
        }

        return stop;
    }

    private static GenerationRecord Record(GenerationBudget? budget) => new()
    {
        GenerationId = "bench",
        Prompt = "Build a todo app",
        Entities = ["User"],
        Status = GenerationStatus.Processing,
        CreatedAt = DateTimeOffset.UnixEpoch,
        Budget = budget,
    };
}
