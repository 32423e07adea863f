using Iteration.Streaming.Budgets;
using Iteration.Streaming.Engine;
using Iteration.Streaming.StackExchangeRedis.Budgets;
using Iteration.Streaming.StackExchangeRedis.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;
using StackExchange.Redis;

namespace Iteration.Streaming.StackExchangeRedis.Tests.Budgets;

/// <summary>What the Redis ledger adds to the contract: instances sharing one Redis share one ledger, and its keys expire.</summary>
[Collection(RedisCollection.Name)]
public sealed class RedisBudgetLedgerTests(RedisServerFixture server) : IAsyncLifetime
{
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);
    private readonly List<RedisLogHarness> _instances = [];

    private DateOnly Today => DateOnly.FromDateTime(_clock.GetUtcNow().UtcDateTime);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    /// <summary>Two app instances (their own connections) over one key prefix, each with its ledger.</summary>
    private IBudgetLedger[] TwoInstances()
    {
        var prefix = RedisLogHarness.NewPrefix();
        for (var i = 0; i < 2; i++)
        {
            _instances.Add(RedisLogHarness.Start(server, prefix, timeProvider: _clock));
        }

        return [.. _instances.Select(h => (IBudgetLedger)new RedisBudgetLedger(h.Connection, h.Scripts, _clock))];
    }

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
    public async Task TryReserveAsync_100RacingOnTwoInstances_AdmitExactlyTheDailyCap()
    {
        var ledgers = TwoInstances();

        var start = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var racers = Enumerable.Range(0, 100).Select(i => Task.Run(async () =>
        {
            await start.Task;
            return await ledgers[i % 2].TryReserveAsync(Reservation("owner", 100, perDay: 1_000));
        })).ToList();
        start.SetResult();
        var answers = await Task.WhenAll(racers).WithPatience();

        answers.Count(a => a.Reserved).Should().Be(10);
        answers.Where(a => !a.Reserved).Should().OnlyContain(a => a.RefusedBy == GenerationBudgetExceededException.TokensPerDay && a.TokensUsed == 1_000);
        (await ledgers[0].GetDayAsync("owner", Today)).Should().Be(new BudgetDay(1_000, 10));
        (await ledgers[1].GetDayAsync("owner", Today)).Should().Be(new BudgetDay(1_000, 10));
    }

    [Fact]
    public async Task TryReserveAsync_100RacingOnTwoInstances_AdmitExactlyTheConcurrencyCap()
    {
        var ledgers = TwoInstances();

        var answers = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(() =>
            ledgers[i % 2].TryReserveAsync(Reservation("owner", 1, concurrent: 3)).AsTask()))).WithPatience();

        answers.Count(a => a.Reserved).Should().Be(3);
    }

    [Fact]
    public async Task SettleAsync_OnTheOtherInstance_FreesTheReservation()
    {
        var ledgers = TwoInstances();
        var reservation = Reservation("owner", 800, perDay: 1_000, concurrent: 1);
        await ledgers[0].TryReserveAsync(reservation);

        await ledgers[1].SettleAsync("owner", reservation.GenerationId, 300);

        (await ledgers[0].TryReserveAsync(Reservation("owner", 700, perDay: 1_000, concurrent: 1))).Should()
            .Be(new BudgetReservationResult(true, null, 300, 0));
    }

    [Fact]
    public async Task TryReserveAsync_KeysOfTheOwner_ExpireDaysAfterTheDay()
    {
        var ledgers = TwoInstances();
        var reservation = Reservation("owner", 10);

        await ledgers[0].TryReserveAsync(reservation);

        var keys = server.Server.Keys(pattern: _instances[0].Options.KeyPrefix + ":budget:*").ToList();
        keys.Should().HaveCount(3, "the day, the unsettled reservations and their times");
        var untilDayEnds = new DateTimeOffset(Today.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero) - reservation.At;
        foreach (var key in keys)
        {
            var ttl = await server.Database.KeyTimeToLiveAsync(key);
            ttl.Should().NotBeNull($"{key} expires");
            ttl!.Value.Should().BeGreaterThan(untilDayEnds + TimeSpan.FromDays(RedisBudgetLedger.DaysKept) - TimeSpan.FromMinutes(1))
                .And.BeLessThan(BudgetReservation.UnsettledExpiry + TimeSpan.FromDays(6));
        }
    }

    [Fact]
    public async Task Keys_OfOneOwner_ShareOneHashTag()
    {
        var ledgers = TwoInstances();

        await ledgers[0].TryReserveAsync(Reservation("{owner}", 10));

        var keys = server.Server.Keys(pattern: _instances[0].Options.KeyPrefix + ":budget:*").Select(k => (string)k!).ToList();
        keys.Select(k => k[(k.IndexOf('{', StringComparison.Ordinal) + 1)..k.IndexOf('}', StringComparison.Ordinal)]).Distinct().Should().ContainSingle()
            .Which.Should().MatchRegex("^[0-9a-f]{32}$", "the owner id is hashed, so its braces cannot change the slot");
    }
}
