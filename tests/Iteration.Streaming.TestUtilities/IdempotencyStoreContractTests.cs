using FluentAssertions;
using Iteration.Streaming.Idempotency;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// The behaviour every <see cref="IIdempotencyStore"/> implementation must show. Derive once per implementation. Each
/// test uses keys of its own, so a store may be shared between tests.
/// </summary>
public abstract class IdempotencyStoreContractTests
{
    /// <summary>The clock the store under test must use to tell a live entry from an expired one.</summary>
    protected FakeTimeProvider Clock { get; } = new(TestEvents.Epoch);

    /// <summary>Creates the store under test on <paramref name="clock"/>; every call of one test may return the same instance.</summary>
    protected abstract Task<IIdempotencyStore> CreateStoreAsync(TimeProvider clock);

    /// <summary>A pending entry (no result yet) with a key of its own, held for an hour.</summary>
    protected IdempotencyEntry NewEntry(string? fingerprint = null) => new()
    {
        Key = "test:" + TestEvents.NewId(),
        Fingerprint = fingerprint ?? "fp-" + TestEvents.NewId(),
        ExpiresAt = Clock.GetUtcNow().AddHours(1),
    };

    [Fact]
    public async Task TryAddAsync_FreeKey_AddsTheEntry()
    {
        var store = await CreateStoreAsync(Clock);
        var entry = NewEntry();

        var held = await store.TryAddAsync(entry);

        held.Should().BeNull();
        (await store.GetAsync(entry.Key)).Should().BeEquivalentTo(entry);
    }

    [Fact]
    public async Task TryAddAsync_HeldKey_ReturnsTheHolderAndKeepsIt()
    {
        var store = await CreateStoreAsync(Clock);
        var first = NewEntry();
        await store.TryAddAsync(first);

        var held = await store.TryAddAsync(first with { Fingerprint = "another", ExpiresAt = first.ExpiresAt.AddHours(5) });

        held.Should().BeEquivalentTo(first);
        (await store.GetAsync(first.Key)).Should().BeEquivalentTo(first);
    }

    [Fact]
    public async Task TryAddAsync_ConcurrentClaimsOfOneKey_ExactlyOneWins()
    {
        var store = await CreateStoreAsync(Clock);
        var key = NewEntry().Key;

        var answers = await Task.WhenAll(Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
            await store.TryAddAsync(new IdempotencyEntry { Key = key, Fingerprint = "claim-" + i, ExpiresAt = Clock.GetUtcNow().AddHours(1) }))));

        answers.Count(a => a is null).Should().Be(1);
        var winner = (await store.GetAsync(key))!.Fingerprint;
        answers.Where(a => a is not null).Should().OnlyContain(a => a!.Fingerprint == winner);
    }

    [Fact]
    public async Task TryAddAsync_AfterTheHolderExpired_AddsTheNewEntry()
    {
        var store = await CreateStoreAsync(Clock);
        var first = NewEntry();
        await store.TryAddAsync(first);
        Clock.Advance(TimeSpan.FromHours(1));

        var second = first with { Fingerprint = "second", ExpiresAt = Clock.GetUtcNow().AddHours(1) };
        var held = await store.TryAddAsync(second);

        held.Should().BeNull();
        (await store.GetAsync(first.Key)).Should().BeEquivalentTo(second);
    }

    [Fact]
    public async Task GetAsync_ExpiredEntry_ReturnsNull()
    {
        var store = await CreateStoreAsync(Clock);
        var entry = NewEntry();
        await store.TryAddAsync(entry);

        Clock.Advance(TimeSpan.FromHours(1));

        (await store.GetAsync(entry.Key)).Should().BeNull();
    }

    [Fact]
    public async Task GetAsync_UnknownKey_ReturnsNull()
    {
        var store = await CreateStoreAsync(Clock);

        (await store.GetAsync("test:unknown-" + TestEvents.NewId())).Should().BeNull();
    }

    [Fact]
    public async Task CompleteAsync_ByTheHolder_RecordsTheResultAndTheNewExpiry()
    {
        var store = await CreateStoreAsync(Clock);
        var entry = NewEntry();
        await store.TryAddAsync(entry);
        var keepUntil = Clock.GetUtcNow().AddDays(1);

        var completed = await store.CompleteAsync(entry.Key, entry.Fingerprint, "{\"generation_id\":\"g-1\"}", keepUntil);
        Clock.Advance(TimeSpan.FromHours(2));

        completed.Should().BeTrue();
        (await store.GetAsync(entry.Key)).Should().BeEquivalentTo(entry with { Result = "{\"generation_id\":\"g-1\"}", ExpiresAt = keepUntil });
    }

    [Fact]
    public async Task CompleteAsync_ByAnotherFingerprint_ChangesNothing()
    {
        var store = await CreateStoreAsync(Clock);
        var entry = NewEntry();
        await store.TryAddAsync(entry);

        var completed = await store.CompleteAsync(entry.Key, "not-the-holder", "stolen", Clock.GetUtcNow().AddDays(1));

        completed.Should().BeFalse();
        (await store.GetAsync(entry.Key)).Should().BeEquivalentTo(entry);
    }

    [Fact]
    public async Task CompleteAsync_ExpiredOrUnknownKey_ReturnsFalse()
    {
        var store = await CreateStoreAsync(Clock);
        var entry = NewEntry();
        await store.TryAddAsync(entry);
        Clock.Advance(TimeSpan.FromHours(1));

        (await store.CompleteAsync(entry.Key, entry.Fingerprint, "late", Clock.GetUtcNow().AddDays(1))).Should().BeFalse();
        (await store.CompleteAsync("test:unknown-" + TestEvents.NewId(), "fp", "x", Clock.GetUtcNow().AddDays(1))).Should().BeFalse();
        (await store.GetAsync(entry.Key)).Should().BeNull();
    }

    [Fact]
    public async Task RemoveAsync_ByTheHolder_FreesTheKey()
    {
        var store = await CreateStoreAsync(Clock);
        var entry = NewEntry();
        await store.TryAddAsync(entry);

        var removed = await store.RemoveAsync(entry.Key, entry.Fingerprint);

        removed.Should().BeTrue();
        (await store.GetAsync(entry.Key)).Should().BeNull();
        (await store.TryAddAsync(entry with { Fingerprint = "next" })).Should().BeNull();
    }

    [Fact]
    public async Task RemoveAsync_ByAnotherFingerprint_KeepsTheEntry()
    {
        var store = await CreateStoreAsync(Clock);
        var entry = NewEntry();
        await store.TryAddAsync(entry);

        var removed = await store.RemoveAsync(entry.Key, "not-the-holder");

        removed.Should().BeFalse();
        (await store.GetAsync(entry.Key)).Should().BeEquivalentTo(entry);
    }

    [Fact]
    public async Task TryAddAsync_HostileKeyAndResult_RoundTripUnchanged()
    {
        var store = await CreateStoreAsync(Clock);
        var entry = NewEntry() with { Key = "test:{braces}*?[x] 'quoted' \"double\" ünï 🚀 " + TestEvents.NewId(), Fingerprint = "fp' OR 1=1 --" };
        await store.TryAddAsync(entry);

        await store.CompleteAsync(entry.Key, entry.Fingerprint, "{\"a\":\"\\u0000 ' \\\" 🚀\"}", entry.ExpiresAt);

        (await store.GetAsync(entry.Key))!.Result.Should().Be("{\"a\":\"\\u0000 ' \\\" 🚀\"}");
    }

    [Fact]
    public async Task TryAddAsync_InvalidEntry_Throws()
    {
        var store = await CreateStoreAsync(Clock);

        await FluentActions.Awaiting(async () => await store.TryAddAsync(null!)).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(async () => await store.TryAddAsync(NewEntry() with { Key = "" })).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(async () => await store.TryAddAsync(NewEntry() with { Key = new string('k', 513) })).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(async () => await store.TryAddAsync(NewEntry() with { Fingerprint = "" })).Should().ThrowAsync<ArgumentException>();
    }
}
