using System.Globalization;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.Records;

namespace Iteration.Streaming.Runs.Budgets;

/// <summary>
/// What a generation has spent, over all its attempts, checked against its budget at every usage report: the tokens
/// of earlier attempts and of the phases saved in this one (committed), the real usage of the phase running, and the
/// estimate of the model call in progress (replaced by its real usage when that arrives). The first report that
/// crosses the budget, or that cannot be true, says why the run must stop.
/// </summary>
internal sealed class RunSpend
{
    /// <summary>The most tokens one usage report may carry: more is a generator's bug, not a model's output.</summary>
    public const long MaxTokensPerReport = 100_000_000;

    private readonly Lock _gate = new();
    private long _committedInput;
    private long _committedOutput;
    private decimal _committedCost;
    private long _phaseInput;
    private long _phaseOutput;
    private decimal _phaseCost;
    private long _estimate;
    private bool _priced;

    public RunSpend(GenerationRecord record)
    {
        Budget = record.Budget;
        _committedInput = record.Usage?.InputTokens ?? 0;
        _committedOutput = record.Usage?.OutputTokens ?? 0;
        _committedCost = record.Cost?.Amount ?? 0;
        _priced = record.Cost is not null;
        Currency = record.Cost?.Currency;
        HasUsage = record.Usage is not null;
    }

    public GenerationBudget? Budget { get; }

    /// <summary>The currency of the costs (the price table's), once a report was priced.</summary>
    public string? Currency { get; private set; }

    /// <summary>Whether anything was reported at all (then the record and the events carry usage).</summary>
    public bool HasUsage { get; private set; }

    /// <summary>Adds a real usage report of the phase running; ends the estimate of the call in progress.</summary>
    /// <returns>Why the run must stop (over budget, or an impossible report), or <see langword="null"/>.</returns>
    public SpendStop? Add(long inputTokens, long outputTokens, string? model, BudgetOptions budgets)
    {
        if (inputTokens is < 0 or > MaxTokensPerReport || outputTokens is < 0 or > MaxTokensPerReport)
        {
            return new SpendStop(CancelReason.InvalidUsage, string.Create(
                CultureInfo.InvariantCulture,
                $"The generator reported an impossible token usage ({inputTokens} input, {outputTokens} output tokens): a report must be 0 to {MaxTokensPerReport:N0} tokens of each kind."));
        }

        lock (_gate)
        {
            HasUsage = true;
            _phaseInput += inputTokens;
            _phaseOutput += outputTokens;
            _estimate = 0;
            if (Price(model, budgets) is { } price)
            {
                _phaseCost += (inputTokens * price.Input + outputTokens * price.Output) / 1_000_000m;
                _priced = true;
                Currency = budgets.Currency;
            }

            return Check();
        }
    }

    /// <summary>Replaces the estimate of the model call in progress.</summary>
    /// <returns>Why the run must stop, or <see langword="null"/>.</returns>
    public SpendStop? Estimate(long outputTokens)
    {
        if (outputTokens is < 0 or > MaxTokensPerReport)
        {
            return new SpendStop(CancelReason.InvalidUsage, string.Create(
                CultureInfo.InvariantCulture,
                $"The generator estimated an impossible output ({outputTokens} tokens): an estimate must be 0 to {MaxTokensPerReport:N0} tokens."));
        }

        lock (_gate)
        {
            HasUsage = true;
            _estimate = outputTokens;
            return Check();
        }
    }

    /// <summary>The phase is saved: its spend joins what is committed.</summary>
    public void CommitPhase()
    {
        lock (_gate)
        {
            _committedInput += _phaseInput;
            _committedOutput += _phaseOutput + _estimate;
            _committedCost += _phaseCost;
            _phaseInput = _phaseOutput = _estimate = 0;
            _phaseCost = 0;
        }
    }

    /// <summary>The usage of the phase running (real reports only), or <see langword="null"/> when none.</summary>
    public (GenerationUsage Usage, GenerationCost? Cost)? Phase()
    {
        lock (_gate)
        {
            return _phaseInput == 0 && _phaseOutput == 0 && _phaseCost == 0
                ? null
                : (new GenerationUsage { InputTokens = _phaseInput, OutputTokens = _phaseOutput }, CostOf(_phaseCost));
        }
    }

    /// <summary>
    /// Everything spent so far: committed, the phase running and the estimate of a call cut short (its tokens were
    /// produced and are paid for even though no report came).
    /// </summary>
    public (GenerationUsage Usage, GenerationCost? Cost) Total()
    {
        lock (_gate)
        {
            return (
                new GenerationUsage { InputTokens = _committedInput + _phaseInput, OutputTokens = _committedOutput + _phaseOutput + _estimate },
                CostOf(_committedCost + _phaseCost));
        }
    }

    /// <summary>The record change that keeps <see cref="Total"/>; <see langword="null"/> when nothing was ever reported.</summary>
    public GenerationRecordUpdate? RecordUpdate()
    {
        if (!HasUsage)
        {
            return null;
        }

        var (usage, cost) = Total();
        return new GenerationRecordUpdate { Usage = usage, Cost = cost };
    }

    private GenerationCost? CostOf(decimal amount) =>
        _priced && Currency is { } currency ? new GenerationCost { Amount = decimal.Round(amount, 6), Currency = currency } : null;

    private static ModelPrice? Price(string? model, BudgetOptions budgets)
    {
        var prices = budgets.Prices;
        if (prices is null || prices.Count == 0)
        {
            return null;
        }

        if (model is null)
        {
            return prices.GetValueOrDefault("default");
        }

        if (prices.TryGetValue(model, out var price))
        {
            return price;
        }

        // Providers answer with dated names ("gpt-4.1-2025-04-14"): the longest key that starts the name, at a dash, prices it.
        ModelPrice? best = null;
        var bestLength = 0;
        foreach (var (key, value) in prices)
        {
            if (key.Length > bestLength && model.Length > key.Length && model[key.Length] == '-' && model.StartsWith(key, StringComparison.OrdinalIgnoreCase))
            {
                (best, bestLength) = (value, key.Length);
            }
        }

        return best ?? prices.GetValueOrDefault("default");
    }

    private SpendStop? Check()
    {
        if (Budget is not { } budget)
        {
            return null;
        }

        var output = _committedOutput + _phaseOutput + _estimate;
        if (budget.MaxOutputTokens is { } maxOutput && output > maxOutput)
        {
            return new SpendStop(CancelReason.Budget, string.Create(CultureInfo.InvariantCulture, $"Budget exceeded: {output:N0} output tokens used of {maxOutput:N0} allowed"));
        }

        var total = _committedInput + _phaseInput + output;
        return budget.MaxTotalTokens is { } maxTotal && total > maxTotal
            ? new SpendStop(CancelReason.Budget, string.Create(CultureInfo.InvariantCulture, $"Budget exceeded: {total:N0} tokens used of {maxTotal:N0} allowed"))
            : null;
    }
}

/// <summary>Why a run must stop because of what it spent or reported.</summary>
/// <param name="Reason"><see cref="CancelReason.Budget"/> or <see cref="CancelReason.InvalidUsage"/>.</param>
/// <param name="Error">What the user is told.</param>
internal readonly record struct SpendStop(CancelReason Reason, string Error);
