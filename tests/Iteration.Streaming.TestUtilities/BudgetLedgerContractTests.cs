using FluentAssertions;
using Iteration.Streaming.Budgets;
using Iteration.Streaming.Engine;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// The behaviour every <see cref="IBudgetLedger"/> must show: reserve against an owner's day and unfinished count,
/// settle to what was used, both idempotent, and racing reservations that never pass a limit together. Derive once per
/// implementation. Every test uses owners of its own, so a ledger may be shared between tests.
/// </summary>
public abstract class BudgetLedgerContractTests
{
    /// <summary>The clock the ledger under test must use for <see cref="IBudgetLedger.GetDayAsync"/>'s unfinished count.</summary>
    protected FakeTimeProvider Clock { get; } = new(TestEvents.Epoch);

    /// <summary>Creates the ledger under test on <paramref name="clock"/>; every call of one test may return the same instance.</summary>
    protected abstract Task<IBudgetLedger> CreateLedgerAsync(TimeProvider clock);

    /// <summary>The UTC day of the clock's now.</summary>
    protected DateOnly Today => DateOnly.FromDateTime(Clock.GetUtcNow().UtcDateTime);

    /// <summary>An owner no other test uses.</summary>
    protected static string NewOwner() => "owner-" + TestEvents.NewId();

    /// <summary>A reservation for today, made now, of a new generation unless one is named.</summary>
    protected BudgetReservation Reservation(string owner, long tokens, long? perDay = null, int? concurrent = null, string? generationId = null) => new()
    {
        UserId = owner,
        GenerationId = generationId ?? TestEvents.NewId(),
        Tokens = tokens,
        Day = Today,
        TokensPerDay = perDay,
        ConcurrentGenerations = concurrent,
        At = Clock.GetUtcNow(),
    };

    /// <summary>
    /// Starts <paramref name="count"/> reservations at once (each on its own thread pool item) against
    /// <paramref name="ledgers"/> in turn, and returns their answers.
    /// </summary>
    protected static Task<BudgetReservationResult[]> RaceAsync(IReadOnlyList<IBudgetLedger> ledgers, int count, Func<int, BudgetReservation> reservation)
    {
        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(0, count)
            .Select(i => Task.Run(async () =>
            {
                await start.Task;
                return await ledgers[i % ledgers.Count].TryReserveAsync(reservation(i));
            }))
            .ToList();
        start.SetResult();
        return Task.WhenAll(racers).WithPatience();
    }

    [Fact]
    public async Task TryReserveAsync_WithinLimits_ReservesAndCountsTheDay()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();

        var first = await ledger.TryReserveAsync(Reservation(owner, 1_000, perDay: 10_000, concurrent: 3));
        var second = await ledger.TryReserveAsync(Reservation(owner, 2_500, perDay: 10_000, concurrent: 3));

        first.Should().Be(new BudgetReservationResult(true, null, 0, 0));
        second.Should().Be(new BudgetReservationResult(true, null, 1_000, 1));
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(3_500, 2));
    }

    [Fact]
    public async Task TryReserveAsync_NoLimits_AlwaysReserves()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();

        for (var i = 0; i < 5; i++)
        {
            (await ledger.TryReserveAsync(Reservation(owner, long.MaxValue / 16))).Reserved.Should().BeTrue();
        }

        (await ledger.GetDayAsync(owner, Today)).Unfinished.Should().Be(5);
    }

    [Fact]
    public async Task TryReserveAsync_ZeroTokens_CountsTheGenerationAsUnfinished()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();

        (await ledger.TryReserveAsync(Reservation(owner, 0, perDay: 100, concurrent: 1))).Reserved.Should().BeTrue();

        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(0, 1));
        (await ledger.TryReserveAsync(Reservation(owner, 0, concurrent: 1))).RefusedBy.Should().Be(GenerationBudgetExceededException.ConcurrentGenerations);
    }

    [Fact]
    public async Task TryReserveAsync_SameGenerationTwice_ReservesOnceAndAnswersAsTheFirstTime()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        await ledger.TryReserveAsync(Reservation(owner, 300));
        var reservation = Reservation(owner, 1_000, perDay: 1_500, concurrent: 2);
        var first = await ledger.TryReserveAsync(reservation);

        var again = await ledger.TryReserveAsync(reservation);

        again.Should().Be(first);
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(1_300, 2));
    }

    [Fact]
    public async Task TryReserveAsync_SettledGenerationAgain_ChangesNothing()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 1_000, perDay: 1_000);
        await ledger.TryReserveAsync(reservation);
        await ledger.SettleAsync(owner, reservation.GenerationId, 400);

        var again = await ledger.TryReserveAsync(reservation);

        again.Reserved.Should().BeTrue();
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(400, 0), "it was neither charged again nor counted unfinished again");
    }

    [Fact]
    public async Task TryReserveAsync_PastTheDailyAllowance_IsRefusedNamingTheLimit()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        await ledger.TryReserveAsync(Reservation(owner, 600, perDay: 1_000));

        var refused = await ledger.TryReserveAsync(Reservation(owner, 401, perDay: 1_000));
        var exact = await ledger.TryReserveAsync(Reservation(owner, 400, perDay: 1_000));

        refused.Should().Be(new BudgetReservationResult(false, GenerationBudgetExceededException.TokensPerDay, 600, 1));
        exact.Reserved.Should().BeTrue("the allowance may be reached, not passed");
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(1_000, 2), "a refusal reserves nothing");
    }

    [Fact]
    public async Task TryReserveAsync_AtTheConcurrencyLimit_IsRefusedUntilOneIsSettled()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var running = Reservation(owner, 10, concurrent: 2);
        await ledger.TryReserveAsync(running);
        await ledger.TryReserveAsync(Reservation(owner, 10, concurrent: 2));

        var refused = await ledger.TryReserveAsync(Reservation(owner, 10, concurrent: 2));
        await ledger.SettleAsync(owner, running.GenerationId, 10);
        var admitted = await ledger.TryReserveAsync(Reservation(owner, 10, concurrent: 2));

        refused.Should().Be(new BudgetReservationResult(false, GenerationBudgetExceededException.ConcurrentGenerations, 20, 2));
        admitted.Should().Be(new BudgetReservationResult(true, null, 20, 1));
    }

    [Fact]
    public async Task TryReserveAsync_OwnersAndDays_AreCountedApart()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var (owner, other) = (NewOwner(), NewOwner());
        await ledger.TryReserveAsync(Reservation(owner, 1_000, perDay: 1_000));

        var otherOwner = await ledger.TryReserveAsync(Reservation(other, 1_000, perDay: 1_000));
        var tomorrow = await ledger.TryReserveAsync(Reservation(owner, 1_000, perDay: 1_000) with { Day = Today.AddDays(1) });

        otherOwner.Should().Be(new BudgetReservationResult(true, null, 0, 0));
        tomorrow.Reserved.Should().BeTrue();
        tomorrow.TokensUsed.Should().Be(0);
        (await ledger.GetDayAsync(owner, Today)).TokensUsed.Should().Be(1_000);
        (await ledger.GetDayAsync(owner, Today.AddDays(1))).TokensUsed.Should().Be(1_000);
        (await ledger.GetDayAsync(other, Today)).Should().Be(new BudgetDay(1_000, 1));
    }

    [Fact]
    public async Task SettleAsync_LessThanReserved_GivesTheRestBack()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 1_000, perDay: 1_000);
        await ledger.TryReserveAsync(reservation);

        await ledger.SettleAsync(owner, reservation.GenerationId, 300);

        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(300, 0));
        (await ledger.TryReserveAsync(Reservation(owner, 700, perDay: 1_000))).Reserved.Should().BeTrue();
        (await ledger.TryReserveAsync(Reservation(owner, 1, perDay: 1_000))).RefusedBy.Should().Be(GenerationBudgetExceededException.TokensPerDay);
    }

    [Fact]
    public async Task SettleAsync_MoreThanReserved_ChargesWhatWasUsed()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 100, perDay: 300);
        await ledger.TryReserveAsync(reservation);

        await ledger.SettleAsync(owner, reservation.GenerationId, 250);

        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(250, 0));
        (await ledger.TryReserveAsync(Reservation(owner, 100, perDay: 300))).Should()
            .Be(new BudgetReservationResult(false, GenerationBudgetExceededException.TokensPerDay, 250, 0));
    }

    [Fact]
    public async Task SettleAsync_Twice_ChangesNothingTheSecondTime()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 1_000);
        await ledger.TryReserveAsync(reservation);
        await ledger.SettleAsync(owner, reservation.GenerationId, 300);

        await ledger.SettleAsync(owner, reservation.GenerationId, 900);

        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(300, 0));
    }

    [Fact]
    public async Task SettleAsync_ConcurrentSettlements_ApplyOnce()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 1_000);
        await ledger.TryReserveAsync(reservation);

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(() => ledger.SettleAsync(owner, reservation.GenerationId, 100).AsTask()))).WithPatience();

        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(100, 0));
    }

    [Fact]
    public async Task SettleAsync_UnknownGenerationOrOwner_ChangesNothing()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 1_000);
        await ledger.TryReserveAsync(reservation);

        await ledger.SettleAsync(owner, TestEvents.NewId(), 5);
        await ledger.SettleAsync(NewOwner(), reservation.GenerationId, 5);

        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(1_000, 1));
    }

    [Fact]
    public async Task SettleAsync_OnALaterDay_ChargesTheDayItWasReserved()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 1_000);
        var day = Today;
        await ledger.TryReserveAsync(reservation);
        Clock.Advance(TimeSpan.FromDays(1));

        await ledger.SettleAsync(owner, reservation.GenerationId, 1_200);

        (await ledger.GetDayAsync(owner, day)).TokensUsed.Should().Be(1_200);
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(0, 0));
    }

    [Fact]
    public async Task GetDayAsync_UnsettledReservation_StopsCountingAsUnfinishedAfterTheExpiry()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var day = Today;
        await ledger.TryReserveAsync(Reservation(owner, 500, concurrent: 1));

        Clock.Advance(BudgetReservation.UnsettledExpiry - TimeSpan.FromMilliseconds(1));
        var before = await ledger.GetDayAsync(owner, day);
        var refused = await ledger.TryReserveAsync(Reservation(owner, 1, concurrent: 1));
        Clock.Advance(TimeSpan.FromMilliseconds(1));
        var after = await ledger.GetDayAsync(owner, day);
        var admitted = await ledger.TryReserveAsync(Reservation(owner, 1, concurrent: 1));

        before.Should().Be(new BudgetDay(500, 1));
        refused.RefusedBy.Should().Be(GenerationBudgetExceededException.ConcurrentGenerations);
        after.Should().Be(new BudgetDay(500, 0), "the tokens stay charged to their day; only the unfinished count lets go");
        admitted.Should().Be(new BudgetReservationResult(true, null, 0, 0));
    }

    [Fact]
    public async Task TryReserveAsync_100InParallelAgainstTheDailyCap_AdmitExactlyTheCap()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();

        var answers = await RaceAsync([ledger], 100, _ => Reservation(owner, 100, perDay: 1_000));

        answers.Count(a => a.Reserved).Should().Be(10);
        answers.Where(a => !a.Reserved).Should().OnlyContain(a => a.RefusedBy == GenerationBudgetExceededException.TokensPerDay);
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(1_000, 10));
    }

    [Fact]
    public async Task TryReserveAsync_100InParallelAgainstTheConcurrencyCap_AdmitExactlyTheCap()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();

        var answers = await RaceAsync([ledger], 100, _ => Reservation(owner, 1, concurrent: 7));

        answers.Count(a => a.Reserved).Should().Be(7);
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(7, 7));
    }

    [Fact]
    public async Task TryReserveAsync_100InParallelOfOneGeneration_ReserveOnce()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 100, perDay: 1_000, concurrent: 5);

        var answers = await RaceAsync([ledger], 100, _ => reservation);

        answers.Should().OnlyContain(a => a.Reserved);
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(100, 1));
    }

    [Fact]
    public async Task TryReserveAsync_NegativeTokensOrNull_Throws()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();

        await FluentActions.Awaiting(() => ledger.TryReserveAsync(Reservation(owner, -1)).AsTask()).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => ledger.TryReserveAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(0, 0));
    }

    [Fact]
    public async Task SettleAsync_NegativeTokensOrNull_Throws()
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = NewOwner();
        var reservation = Reservation(owner, 10);
        await ledger.TryReserveAsync(reservation);

        await FluentActions.Awaiting(() => ledger.SettleAsync(owner, reservation.GenerationId, -1).AsTask()).Should().ThrowAsync<ArgumentOutOfRangeException>();
        await FluentActions.Awaiting(() => ledger.SettleAsync(null!, reservation.GenerationId, 1).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => ledger.SettleAsync(owner, null!, 1).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(10, 1));
    }

    [Theory]
    [InlineData("x' OR '1'='1")]
    [InlineData("{owner}")]
    [InlineData("owner|1|2")]
    [InlineData("ünïcödé-🚀 \u0000")]
    public async Task HostileOwnerAndGenerationIds_AreKeptApart(string hostile)
    {
        var ledger = await CreateLedgerAsync(Clock);
        var owner = hostile + TestEvents.NewId();
        var generationId = hostile + "|" + TestEvents.NewId();
        await ledger.TryReserveAsync(Reservation(owner, 100, generationId: generationId));

        await ledger.SettleAsync(owner, generationId, 40);

        (await ledger.GetDayAsync(owner, Today)).Should().Be(new BudgetDay(40, 0));
        (await ledger.GetDayAsync(hostile, Today)).Should().Be(new BudgetDay(0, 0));
    }
}
