using Iteration.Streaming.Budgets;
using Iteration.Streaming.Engine;
using Iteration.Streaming.Sqlite.Budgets;
using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Sqlite.Tests.Budgets;

/// <summary>What the SQLite ledger adds to the contract: it is kept in the file, and the file is one host's.</summary>
public sealed class SqliteBudgetLedgerTests : IDisposable
{
    private readonly StoreHarness _harness = new();
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);

    public void Dispose() => _harness.Dispose();

    private DateOnly Today => DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);

    private BudgetReservation Reservation(string owner, long tokens, long? perDay = null, int? concurrent = null) => new()
    {
        UserId = owner,
        GenerationId = TestEvents.NewId(),
        Tokens = tokens,
        Day = Today,
        TokensPerDay = perDay,
        ConcurrentGenerations = concurrent,
        At = _clock.GetUtcNow(),
    };

    [Fact]
    public async Task Ledger_AfterARestart_KeepsTheDayAndTheUnsettledReservations()
    {
        var reservation = Reservation("owner", 1_000, perDay: 1_500, concurrent: 2);
        await new SqliteBudgetLedger(_harness.Store, _clock).TryReserveAsync(reservation);

        _harness.Reopen();
        var ledger = new SqliteBudgetLedger(_harness.Store, _clock);
        var refused = await ledger.TryReserveAsync(Reservation("owner", 600, perDay: 1_500));
        await ledger.SettleAsync("owner", reservation.GenerationId, 200);

        refused.Should().Be(new BudgetReservationResult(false, GenerationBudgetExceededException.TokensPerDay, 1_000, 1));
        (await ledger.GetDayAsync("owner", Today)).Should().Be(new BudgetDay(200, 0));
    }

    [Fact]
    public async Task TryReserveAsync_100RacingThroughTwoLedgersOfOneFile_AdmitExactlyTheCap()
    {
        // A store file is one host's (its lock file refuses a second store), so two ledgers over one store are as many
        // as can share it; the writer orders their transactions.
        IBudgetLedger[] ledgers = [new SqliteBudgetLedger(_harness.Store, _clock), new SqliteBudgetLedger(_harness.Store, _clock)];

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() =>
            ledgers[i % 2].TryReserveAsync(Reservation("owner", 100, perDay: 1_000, concurrent: 50)).AsTask()))).WithPatience();

        answers.Count(a => a.Reserved).Should().Be(10);
        (await ledgers[0].GetDayAsync("owner", Today)).Should().Be(new BudgetDay(1_000, 10));
        _harness.Scalar("SELECT count(*) FROM budget_reservations").Should().Be(10);
    }

    [Fact]
    public void SecondStoreOnTheSameFile_IsRefused()
    {
        var act = () => SqliteStore.Open(_harness.Options());

        act.Should().Throw<InvalidOperationException>().WithMessage("*in use by another host*");
    }

    [Fact]
    public async Task TryReserveAsync_PrunesTheOwnersDaysAWeekOld()
    {
        var ledger = new SqliteBudgetLedger(_harness.Store, _clock);
        await ledger.TryReserveAsync(Reservation("owner", 100));
        await ledger.TryReserveAsync(Reservation("other", 100));
        _clock.Advance(TimeSpan.FromDays(8));

        await ledger.TryReserveAsync(Reservation("owner", 5));

        _harness.Scalar("SELECT count(*) FROM budget_days WHERE user_id = 'owner'").Should().Be(1);
        _harness.Scalar("SELECT count(*) FROM budget_reservations WHERE user_id = 'owner'").Should().Be(1);
        _harness.Scalar("SELECT count(*) FROM budget_days WHERE user_id = 'other'").Should().Be(1, "another owner's rows go with that owner's next reservation");
    }

    [Fact]
    public async Task CancelledToken_ThrowsAndReservesNothing()
    {
        var ledger = new SqliteBudgetLedger(_harness.Store, _clock);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await FluentActions.Awaiting(() => ledger.TryReserveAsync(Reservation("owner", 1), cancelled.Token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => ledger.SettleAsync("owner", "g", 1, cancelled.Token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => ledger.GetDayAsync("owner", Today, cancelled.Token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        _harness.Scalar("SELECT count(*) FROM budget_reservations").Should().Be(0);
    }
}
