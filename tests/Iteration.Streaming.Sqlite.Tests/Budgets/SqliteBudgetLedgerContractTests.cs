using Iteration.Streaming.Budgets;
using Iteration.Streaming.Sqlite.Budgets;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Budgets;

public sealed class SqliteBudgetLedgerContractTests : BudgetLedgerContractTests, IDisposable
{
    private readonly StoreHarness _harness = new();
    private SqliteBudgetLedger? _ledger;

    protected override Task<IBudgetLedger> CreateLedgerAsync(TimeProvider clock) =>
        Task.FromResult<IBudgetLedger>(_ledger ??= new SqliteBudgetLedger(_harness.Store, clock));

    public void Dispose() => _harness.Dispose();
}
