using Iteration.Streaming.Budgets;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Tests.Engine;

public sealed class InMemoryBudgetLedgerContractTests : BudgetLedgerContractTests
{
    private InMemoryBudgetLedger? _ledger;

    protected override Task<IBudgetLedger> CreateLedgerAsync(TimeProvider clock) =>
        Task.FromResult<IBudgetLedger>(_ledger ??= new InMemoryBudgetLedger(clock));
}
