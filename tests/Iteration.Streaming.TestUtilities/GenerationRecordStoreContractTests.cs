using FluentAssertions;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Modes;
using Iteration.Streaming.Records;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Iteration.Streaming.TestUtilities;

/// <summary>
/// The behaviour every <see cref="IGenerationRecordStore"/> implementation must show. Derive once per implementation.
/// Times are whole milliseconds, so a store may keep them to the millisecond; list assertions look only at the records
/// a test added, so a store may be shared between tests.
/// </summary>
public abstract class GenerationRecordStoreContractTests
{
    /// <summary>The clock the store under test must use for <see cref="GenerationRecord.EndedAt"/>.</summary>
    protected FakeTimeProvider Clock { get; } = new(TestEvents.Epoch);

    /// <summary>Creates the store under test on <paramref name="clock"/>; every call of one test may return the same instance.</summary>
    protected abstract Task<IGenerationRecordStore> CreateStoreAsync(TimeProvider clock);

    /// <summary>A queued record with the fields the engine always sets.</summary>
    protected static GenerationRecord NewRecord(string? generationId = null, DateTimeOffset? createdAt = null) => new()
    {
        GenerationId = generationId ?? TestEvents.NewId(),
        Prompt = "Build a task tracker",
        Entities = ["User", "Task"],
        Status = GenerationStatus.Queued,
        CreatedAt = createdAt ?? TestEvents.Epoch,
        Attempts = 1,
    };

    /// <summary>A record with every field set to a value other than its default.</summary>
    protected static GenerationRecord FullRecord() => new()
    {
        GenerationId = TestEvents.NewId(),
        ParentGenerationId = TestEvents.NewId(),
        RetryOf = TestEvents.NewId(),
        Prompt = "Build a shop \"with\" quotes, 'apostrophes', ünïcödé and emoji 🚀\nand a second line",
        ModificationPrompt = "Add a wishlist",
        Entities = ["Product", "Order", "Customer Account"],
        UserId = "user-42",
        Mode = new GenerationModeAssignment(GenerationModes.Enhanced, "B", new Dictionary<string, bool> { ["reasoning"] = true, ["preview"] = false }),
        Plan =
        [
            new PlannedPhase(1, "Core Infrastructure", PhaseKind.CoreInfrastructure, EstimatedFileCount: 5),
            new PlannedPhase(2, "Product Entity", PhaseKind.Entity, "Product", 4),
            new PlannedPhase(3, "Support Files", PhaseKind.SupportFiles, EstimatedFileCount: 3),
            new PlannedPhase(4, "Custom Step", PhaseKind.Custom),
        ],
        PhasesSaved = 2,
        Attempts = 3,
        Status = GenerationStatus.Processing,
        CreatedAt = TestEvents.Epoch,
        InterruptedAt = TestEvents.Epoch.AddMinutes(1),
        Owner = "instance-a",
        FileCount = 9,
        TotalBytes = 12_345_678_901,
        Steering = FullSteering(),
        Budget = new GenerationBudget { MaxOutputTokens = 2_000, MaxTotalTokens = 50_000 },
        Usage = new GenerationUsage { InputTokens = 12_345, OutputTokens = 1_987 },
        Cost = new GenerationCost { Amount = 0.0123456789m, Currency = "EUR" },
        Stage = GenerationStages.PhaseProgress(2),
        Progress = 37.3,
        RetryAt = TestEvents.Epoch.AddSeconds(4),
        AutoRetries = 2,
        ForkedFrom = TestEvents.NewId(),
        FromPhase = 3,
        Revert = FullRevert(),
    };

    /// <summary>A revert of several paths, some with spaces, quotes and non-ASCII characters.</summary>
    protected static GenerationRevert FullRevert() => new()
    {
        To = "phase:12",
        Paths = ["README.md", "src/dir with space/ü.ts", "src/\"quoted\".ts", "src/a.ts"],
    };

    /// <summary>A steering with every field set: a phase gate open, inputs of each kind, locks, a review of a list.</summary>
    protected static RunSteering FullSteering(long revision = 4) => new()
    {
        Revision = revision,
        Review = new ReviewRequest { Plan = true, AfterPhases = PhaseSelection.Of(1, 3) },
        Gate = new GateState { Kind = InputRequestKinds.Phase, Phase = 1, ExpiresAt = TestEvents.Epoch.AddHours(24) },
        PassedGates = [GateState.KeyOf(InputRequestKinds.Plan, null)],
        Inputs =
        [
            new AcceptedInput
            {
                Number = 1,
                Action = InputActions.RevisePlan,
                Message = "Plan revised: 2 phases",
                Status = GenerationStatus.Processing,
                AcceptedAt = TestEvents.Epoch.AddMinutes(1),
            },
            new AcceptedInput
            {
                Number = 2,
                Action = InputActions.Instruct,
                Message = "Instruction queued for phase 2",
                Status = GenerationStatus.AwaitingInput,
                AcceptedAt = TestEvents.Epoch.AddMinutes(2),
                Phase = 1,
                Instruction = "Use \"PostgreSQL\", not 'SQLite' — ünïcödé 🚀\nline two\t<script>alert(1)</script>",
            },
            new AcceptedInput
            {
                Number = 3,
                Action = InputActions.Lock,
                Message = "2 paths locked",
                Status = GenerationStatus.AwaitingInput,
                AcceptedAt = TestEvents.Epoch.AddMinutes(3),
                Phase = 1,
                Paths = ["src/a.ts", "src/dir with space/ü.ts"],
            },
        ],
        LockedPaths = ["src/a.ts", "src/dir with space/ü.ts"],
    };

    [Fact]
    public async Task AddAsync_ThenGetAsync_ReturnsEveryField()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();

        await store.AddAsync(record);

        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(record, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task AddAsync_MinimalRecord_RoundTripsWithNullsAndEmptyLists()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Entities = [] };

        await store.AddAsync(record);

        var stored = await store.GetAsync(record.GenerationId);
        stored.Should().BeEquivalentTo(record);
        stored!.Plan.Should().BeNull();
        stored.Mode.Should().BeNull();
        stored.EndedAt.Should().BeNull();
        stored.Entities.Should().BeEmpty();
        stored.ForkedFrom.Should().BeNull();
        stored.FromPhase.Should().BeNull();
        stored.Revert.Should().BeNull();
    }

    [Fact]
    public async Task AddAsync_AForkAndARevert_RoundTripTheirFields()
    {
        var store = await CreateStoreAsync(Clock);
        var source = TestEvents.NewId();
        var fork = NewRecord() with { ForkedFrom = source, FromPhase = 2 };
        var revert = NewRecord() with { ParentGenerationId = source, Revert = new GenerationRevert { To = source, Paths = ["a.txt"] } };

        await store.AddAsync(fork);
        await store.AddAsync(revert);

        (await store.GetAsync(fork.GenerationId)).Should().BeEquivalentTo(fork);
        (await store.GetAsync(revert.GenerationId)).Should().BeEquivalentTo(revert, o => o.WithStrictOrdering());
        (await store.GetAsync(revert.GenerationId))!.Revert!.To.Should().Be(source);
    }

    [Fact]
    public async Task UpdateAsync_KeepsTheForkAndRevertFields()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Completed, PhasesSaved = 4 });

        foreach (var read in new[] { updated, await store.GetAsync(record.GenerationId), (await store.ListEndedAsync()).Single(r => r.GenerationId == record.GenerationId) })
        {
            read!.ForkedFrom.Should().Be(record.ForkedFrom);
            read.FromPhase.Should().Be(3);
            read.Revert.Should().BeEquivalentTo(FullRevert(), o => o.WithStrictOrdering());
        }
    }

    [Fact]
    public async Task AddAsync_ModeWithoutGroupOrFeatures_RoundTrips()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Mode = new GenerationModeAssignment(GenerationModes.Classic) };

        await store.AddAsync(record);

        (await store.GetAsync(record.GenerationId))!.Mode.Should().BeEquivalentTo(record.Mode);
    }

    [Fact]
    public async Task AddAsync_LargePrompt_RoundTrips()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Prompt = new string('p', 200_000), ModificationPrompt = new string('m', 50_000) };

        await store.AddAsync(record);

        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(record);
    }

    [Fact]
    public async Task AddAsync_Twice_IsRefused()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);

        await FluentActions.Awaiting(() => store.AddAsync(record with { Prompt = "another" }).AsTask())
            .Should().ThrowAsync<InvalidOperationException>().WithMessage($"*{record.GenerationId}*exists*");
        (await store.GetAsync(record.GenerationId))!.Prompt.Should().Be(record.Prompt, "the first record is kept");
    }

    [Fact]
    public async Task AddAsync_SameIdConcurrently_ExactlyOneSucceeds()
    {
        var store = await CreateStoreAsync(Clock);
        var id = TestEvents.NewId();

        var attempts = Enumerable.Range(0, 20).Select(i => Task.Run(async () =>
        {
            try
            {
                await store.AddAsync(NewRecord(id) with { Owner = $"instance-{i}" });
                return true;
            }
            catch (InvalidOperationException)
            {
                return false;
            }
        }));
        var results = await Task.WhenAll(attempts).WithPatience();

        results.Count(added => added).Should().Be(1);
    }

    [Fact]
    public async Task AddAsync_AfterDelete_IsAccepted()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        await store.DeleteAsync(record.GenerationId);

        await store.AddAsync(record with { Prompt = "again" });

        (await store.GetAsync(record.GenerationId))!.Prompt.Should().Be("again");
    }

    [Fact]
    public async Task GetAsync_Unknown_ReturnsNull()
    {
        var store = await CreateStoreAsync(Clock);

        (await store.GetAsync(TestEvents.NewId())).Should().BeNull();
    }

    [Theory]
    [InlineData("x' OR '1'='1")]
    [InlineData("%")]
    [InlineData("_")]
    [InlineData("*")]
    [InlineData("\"; DROP TABLE records; --")]
    [InlineData("ünïcödé-🚀")]
    public async Task HostileIds_AreStoredVerbatimAndMatchNothingElse(string hostile)
    {
        var store = await CreateStoreAsync(Clock);
        var other = NewRecord();
        await store.AddAsync(other);
        var id = hostile + TestEvents.NewId();

        (await store.GetAsync(hostile)).Should().BeNull();
        await store.AddAsync(NewRecord(id));
        (await store.UpdateAsync(hostile, new GenerationRecordUpdate { Owner = "x" })).Should().BeNull();
        (await store.DeleteAsync(hostile)).Should().BeFalse();

        (await store.GetAsync(id))!.GenerationId.Should().Be(id);
        (await store.GetAsync(other.GenerationId))!.Owner.Should().BeNull();
    }

    [Fact]
    public async Task UpdateAsync_Unknown_ReturnsNull()
    {
        var store = await CreateStoreAsync(Clock);

        (await store.UpdateAsync(TestEvents.NewId(), new GenerationRecordUpdate { Status = GenerationStatus.Completed })).Should().BeNull();
    }

    [Fact]
    public async Task UpdateAsync_SetsOnlyTheGivenFields()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { PhasesSaved = 3, FileCount = 12 });

        var expected = record with { PhasesSaved = 3, FileCount = 12 };
        updated.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task UpdateAsync_Empty_ChangesNothing()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate());

        updated.Should().BeEquivalentTo(record, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task UpdateAsync_EveryField_IsApplied()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        PlannedPhase[] plan = [new(1, "Core Infrastructure", PhaseKind.CoreInfrastructure, EstimatedFileCount: 2), new(2, "Task Entity", PhaseKind.Entity, "Task", 3)];
        var interruptedAt = TestEvents.Epoch.AddSeconds(30);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate
        {
            Status = GenerationStatus.Processing,
            Plan = plan,
            PhasesSaved = 1,
            Attempts = 2,
            Owner = "instance-b",
            InterruptedAt = interruptedAt,
            FileCount = 4,
            TotalBytes = 4_096,
        });

        var expected = record with
        {
            Status = GenerationStatus.Processing,
            Plan = plan,
            PhasesSaved = 1,
            Attempts = 2,
            Owner = "instance-b",
            InterruptedAt = interruptedAt,
            FileCount = 4,
            TotalBytes = 4_096,
        };
        updated.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task UpdateAsync_ClearInterrupted_ClearsTheInterruptionTime()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { ClearInterrupted = true, Attempts = 4 });

        updated!.InterruptedAt.Should().BeNull();
        updated.Attempts.Should().Be(4);
        (await store.GetAsync(record.GenerationId))!.InterruptedAt.Should().BeNull();
    }

    [Fact]
    public async Task UpdateAsync_NonTerminalStatus_LeavesEndedAtUnset()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Processing });

        updated!.Status.Should().Be(GenerationStatus.Processing);
        updated.EndedAt.Should().BeNull();
    }

    [Theory]
    [InlineData(GenerationStatus.Completed)]
    [InlineData(GenerationStatus.Failed)]
    [InlineData(GenerationStatus.Cancelled)]
    public async Task UpdateAsync_TerminalStatus_SetsEndedAtFromTheStoreClock(string status)
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        Clock.Advance(TimeSpan.FromMinutes(2));

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = status });

        updated!.Status.Should().Be(status);
        updated.EndedAt.Should().Be(TestEvents.Epoch.AddMinutes(2));
        (await store.GetAsync(record.GenerationId))!.EndedAt.Should().Be(TestEvents.Epoch.AddMinutes(2));
    }

    [Fact]
    public async Task UpdateAsync_AfterTerminal_KeepsStatusAndEndedAtButAppliesTheOtherFields()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Failed });
        Clock.Advance(TimeSpan.FromHours(1));

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate
        {
            Status = GenerationStatus.Completed,
            FileCount = 7,
            TotalBytes = 700,
        });

        updated!.Status.Should().Be(GenerationStatus.Failed);
        updated.EndedAt.Should().Be(TestEvents.Epoch);
        updated.FileCount.Should().Be(7);
        updated.TotalBytes.Should().Be(700);
        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(updated);
    }

    [Fact]
    public async Task UpdateAsync_BackToProcessingAfterTerminal_IsIgnored()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Cancelled });

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Processing });

        updated!.Status.Should().Be(GenerationStatus.Cancelled);
        (await store.ListUnfinishedAsync()).Select(r => r.GenerationId).Should().NotContain(record.GenerationId);
    }

    [Fact]
    public async Task UpdateAsync_ConcurrentChangesOfDifferentFields_AllApply()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        GenerationRecordUpdate[] updates =
        [
            new() { Attempts = 5 },
            new() { Owner = "instance-c" },
            new() { PhasesSaved = 3 },
            new() { FileCount = 11 },
            new() { TotalBytes = 1_100 },
            new() { InterruptedAt = TestEvents.Epoch.AddSeconds(5) },
            new() { Plan = [new PlannedPhase(1, "Main Application", PhaseKind.MainApplication)] },
            new() { Status = GenerationStatus.Processing },
        ];

        await Task.WhenAll(Enumerable.Range(0, 10).SelectMany(_ => updates).Select(u => Task.Run(() => store.UpdateAsync(record.GenerationId, u).AsTask()))).WithPatience();

        var stored = await store.GetAsync(record.GenerationId);
        stored!.Attempts.Should().Be(5);
        stored.Owner.Should().Be("instance-c");
        stored.PhasesSaved.Should().Be(3);
        stored.FileCount.Should().Be(11);
        stored.TotalBytes.Should().Be(1_100);
        stored.InterruptedAt.Should().Be(TestEvents.Epoch.AddSeconds(5));
        stored.Plan.Should().ContainSingle().Which.Kind.Should().Be(PhaseKind.MainApplication);
        stored.Status.Should().Be(GenerationStatus.Processing);
    }

    [Fact]
    public async Task UpdateAsync_ConcurrentTerminalStatuses_OneWinsAndEveryAnswerAgrees()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        string[] statuses = [GenerationStatus.Completed, GenerationStatus.Failed, GenerationStatus.Cancelled];

        var answers = await Task.WhenAll(Enumerable.Range(0, 30).Select(i => Task.Run(async () =>
        {
            var answer = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = statuses[i % 3] });
            Clock.Advance(TimeSpan.FromSeconds(1));
            return answer!;
        }))).WithPatience();

        var stored = await store.GetAsync(record.GenerationId);
        answers.Select(a => a.Status).Distinct().Should().ContainSingle().Which.Should().Be(stored!.Status);
        answers.Select(a => a.EndedAt).Distinct().Should().ContainSingle().Which.Should().Be(stored.EndedAt);
        stored.EndedAt.Should().NotBeNull();
    }

    [Fact]
    public async Task UpdateAsync_SpendStageProgressAndRetries_AreApplied()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        var change = new GenerationRecordUpdate
        {
            Budget = new GenerationBudget { MaxTotalTokens = 10_000 },
            Usage = new GenerationUsage { InputTokens = 1_000, OutputTokens = 2_500 },
            Cost = new GenerationCost { Amount = 1.5m, Currency = "USD" },
            Stage = GenerationStages.BudgetExceeded,
            Progress = 62.5,
            RetryAt = TestEvents.Epoch.AddMinutes(1),
            AutoRetries = 1,
        };

        var updated = await store.UpdateAsync(record.GenerationId, change);

        var expected = record with
        {
            Budget = change.Budget,
            Usage = change.Usage,
            Cost = change.Cost,
            Stage = change.Stage,
            Progress = 62.5,
            RetryAt = change.RetryAt,
            AutoRetries = 1,
        };
        updated.Should().BeEquivalentTo(expected);
        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(expected);
    }

    [Fact]
    public async Task UpdateAsync_Budget_ReplacesTheOldOneWhole()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Budget = new GenerationBudget { MaxOutputTokens = 4_000 } });

        updated!.Budget.Should().BeEquivalentTo(new GenerationBudget { MaxOutputTokens = 4_000 }, "a budget is replaced, not merged");
        (await store.GetAsync(record.GenerationId))!.Budget!.MaxTotalTokens.Should().BeNull();
    }

    [Fact]
    public async Task UpdateAsync_ClearRetryAt_ClearsItEvenWithANewRetryTime()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { ClearRetryAt = true, RetryAt = TestEvents.Epoch.AddHours(1), AutoRetries = 3 });

        updated!.RetryAt.Should().BeNull();
        updated.AutoRetries.Should().Be(3);
        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(record with { RetryAt = null, AutoRetries = 3 });
    }

    [Fact]
    public async Task UpdateAsync_WithoutSpendFields_KeepsThem()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Failed });

        updated.Should().BeEquivalentTo(record with { Status = GenerationStatus.Failed, EndedAt = TestEvents.Epoch });
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_SpendFields_AreAppliedWithTheSteering()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Steering = FullSteering(revision: 1) };
        await store.AddAsync(record);

        var updated = await store.TryUpdateSteeringAsync(record.GenerationId, 1, new GenerationRecordUpdate
        {
            Steering = FullSteering(revision: 2),
            Usage = new GenerationUsage { InputTokens = 7, OutputTokens = 9 },
            Progress = 12.25,
        });

        updated!.Usage.Should().BeEquivalentTo(new GenerationUsage { InputTokens = 7, OutputTokens = 9 });
        (await store.GetAsync(record.GenerationId))!.Progress.Should().Be(12.25);
    }

    /// <summary>A user id no other test uses, so listings of a shared store see only this test's records.</summary>
    protected static string NewUser() => "user-" + TestEvents.NewId();

    /// <summary>
    /// The list order written out (not <see cref="GenerationRecords.Page"/>, which the in-memory store uses): creation
    /// time to the millisecond, then id by ordinal, both descending.
    /// </summary>
    protected static List<GenerationRecord> InListOrder(IEnumerable<GenerationRecord> records) =>
        [.. records.OrderByDescending(static r => r.CreatedAt.ToUnixTimeMilliseconds()).ThenByDescending(static r => r.GenerationId, StringComparer.Ordinal)];

    /// <summary>Reads a whole list page by page, checking each page's size and that its <c>Next</c> is its last record.</summary>
    protected static async Task<List<GenerationRecord>> ListAllAsync(IGenerationRecordStore store, string userId, int limit, string? status = null)
    {
        var all = new List<GenerationRecord>();
        GenerationRecordPosition? after = null;
        for (var pages = 0; ; pages++)
        {
            pages.Should().BeLessThan(1_000, "a list must end");
            var page = await store.ListByUserAsync(new GenerationRecordQuery { UserId = userId, Status = status, Limit = limit, After = after });
            page.Records.Count.Should().BeLessThanOrEqualTo(limit);
            all.AddRange(page.Records);
            if (page.Next is null)
            {
                return all;
            }

            page.Records.Should().HaveCount(limit, "a page with a next one is full");
            page.Next.Should().Be(GenerationRecordPosition.Of(page.Records[^1]));
            after = page.Next;
        }
    }

    /// <summary>
    /// 250 records of two users, created in an order unlike the list's: groups of five share a millisecond (and differ
    /// below it, which the list ignores), with ids that tie-break in neither creation nor insertion order.
    /// </summary>
    private static List<GenerationRecord> TwoUsersRecords(string first, string second)
    {
        var records = new List<GenerationRecord>();
        for (var i = 0; i < 250; i++)
        {
            var createdAt = TestEvents.Epoch.AddMilliseconds((i * 7 % 50) - 25).AddTicks(i % 3 * 1_000);
            var id = $"{(char)('a' + (i * 11 % 26))}{i:D3}-{TestEvents.NewId()[..8]}";
            records.Add(NewRecord(id, createdAt) with { UserId = i % 5 < 3 ? first : second });
        }

        return records;
    }

    [Fact]
    public async Task ListByUserAsync_250RecordsOfTwoUsers_PagesThroughEachUsersNewestFirstWithoutGapsOrRepeats()
    {
        var store = await CreateStoreAsync(Clock);
        var (first, second) = (NewUser(), NewUser());
        var records = TwoUsersRecords(first, second);
        foreach (var record in records)
        {
            await store.AddAsync(record);
        }

        var firstList = await ListAllAsync(store, first, limit: 20);
        var secondList = await ListAllAsync(store, second, limit: 7);

        firstList.Select(r => r.GenerationId).Should().Equal(InListOrder(records.Where(r => r.UserId == first)).Select(r => r.GenerationId));
        secondList.Select(r => r.GenerationId).Should().Equal(InListOrder(records.Where(r => r.UserId == second)).Select(r => r.GenerationId));
        firstList.Should().HaveCount(150);
        secondList.Should().HaveCount(100);
    }

    [Fact]
    public async Task ListByUserAsync_ReturnsFullRecords()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord() with { UserId = NewUser() };
        await store.AddAsync(record);

        var page = await store.ListByUserAsync(new GenerationRecordQuery { UserId = record.UserId! });

        page.Records.Should().ContainSingle().Which.Should().BeEquivalentTo(record, o => o.WithStrictOrdering());
        page.Next.Should().BeNull();
    }

    [Fact]
    public async Task ListByUserAsync_SameMillisecond_OrdersByIdOrdinalDescending()
    {
        var store = await CreateStoreAsync(Clock);
        var user = NewUser();
        var suffix = TestEvents.NewId()[..8];
        string[] ids = [$"B-{suffix}", $"a-{suffix}", $"A-{suffix}", $"b-{suffix}", $"_-{suffix}", $"0-{suffix}"];
        foreach (var (id, i) in ids.Select((id, i) => (id, i)))
        {
            await store.AddAsync(NewRecord(id, TestEvents.Epoch.AddTicks(i * 1_000)) with { UserId = user });
        }

        var page = await store.ListByUserAsync(new GenerationRecordQuery { UserId = user });

        page.Records.Select(r => r.GenerationId).Should().Equal($"b-{suffix}", $"a-{suffix}", $"_-{suffix}", $"B-{suffix}", $"A-{suffix}", $"0-{suffix}");
    }

    [Fact]
    public async Task ListByUserAsync_Status_ReturnsOnlyThatStatusPageByPage()
    {
        var store = await CreateStoreAsync(Clock);
        var user = NewUser();
        var records = Enumerable.Range(0, 60).Select(i => NewRecord(createdAt: TestEvents.Epoch.AddSeconds(i)) with { UserId = user }).ToList();
        foreach (var record in records)
        {
            await store.AddAsync(record);
        }

        var failed = records.Where((_, i) => i % 4 == 0).ToList();
        foreach (var record in failed)
        {
            await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Failed });
        }

        var listed = await ListAllAsync(store, user, limit: 4, GenerationStatus.Failed);
        var queued = await ListAllAsync(store, user, limit: 100, GenerationStatus.Queued);

        listed.Select(r => r.GenerationId).Should().Equal(InListOrder(failed).Select(r => r.GenerationId));
        listed.Should().OnlyContain(r => r.Status == GenerationStatus.Failed && r.EndedAt != null);
        queued.Should().HaveCount(45).And.OnlyContain(r => r.Status == GenerationStatus.Queued);
        (await store.ListByUserAsync(new GenerationRecordQuery { UserId = user, Status = GenerationStatus.Cancelled })).Records.Should().BeEmpty();
    }

    [Fact]
    public async Task ListByUserAsync_After_IsExclusive()
    {
        var store = await CreateStoreAsync(Clock);
        var user = NewUser();
        var records = Enumerable.Range(0, 5).Select(i => NewRecord(createdAt: TestEvents.Epoch.AddSeconds(i)) with { UserId = user }).ToList();
        foreach (var record in records)
        {
            await store.AddAsync(record);
        }

        var page = await store.ListByUserAsync(new GenerationRecordQuery { UserId = user, After = GenerationRecordPosition.Of(records[3]) });

        page.Records.Select(r => r.GenerationId).Should().Equal(records[2].GenerationId, records[1].GenerationId, records[0].GenerationId);
        page.Next.Should().BeNull();
    }

    [Fact]
    public async Task ListByUserAsync_AfterAPositionWithNoRecord_StartsAtTheNextOlderOne()
    {
        var store = await CreateStoreAsync(Clock);
        var user = NewUser();
        var older = NewRecord("m-" + TestEvents.NewId(), TestEvents.Epoch) with { UserId = user };
        var sameTimeLowerId = NewRecord("c-" + TestEvents.NewId(), TestEvents.Epoch.AddSeconds(1)) with { UserId = user };
        var sameTimeHigherId = NewRecord("x-" + TestEvents.NewId(), TestEvents.Epoch.AddSeconds(1)) with { UserId = user };
        foreach (var record in new[] { older, sameTimeLowerId, sameTimeHigherId })
        {
            await store.AddAsync(record);
        }

        var page = await store.ListByUserAsync(new GenerationRecordQuery
        {
            UserId = user,
            After = new GenerationRecordPosition(TestEvents.Epoch.AddSeconds(1), "m"),
        });

        page.Records.Select(r => r.GenerationId).Should().Equal(sameTimeLowerId.GenerationId, older.GenerationId);
    }

    [Fact]
    public async Task ListByUserAsync_LastPageExactlyFull_HasNoNext()
    {
        var store = await CreateStoreAsync(Clock);
        var user = NewUser();
        for (var i = 0; i < 20; i++)
        {
            await store.AddAsync(NewRecord(createdAt: TestEvents.Epoch.AddSeconds(i)) with { UserId = user });
        }

        var page = await store.ListByUserAsync(new GenerationRecordQuery { UserId = user, Limit = 20 });

        page.Records.Should().HaveCount(20);
        page.Next.Should().BeNull();
    }

    [Fact]
    public async Task ListByUserAsync_Deleted_LeavesTheList()
    {
        var store = await CreateStoreAsync(Clock);
        var user = NewUser();
        var kept = NewRecord(createdAt: TestEvents.Epoch) with { UserId = user };
        var deleted = NewRecord(createdAt: TestEvents.Epoch.AddSeconds(1)) with { UserId = user };
        var ended = NewRecord(createdAt: TestEvents.Epoch.AddSeconds(2)) with { UserId = user };
        foreach (var record in new[] { kept, deleted, ended })
        {
            await store.AddAsync(record);
        }

        await store.UpdateAsync(ended.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Completed });

        await store.DeleteAsync(deleted.GenerationId);
        await store.DeleteAsync(ended.GenerationId);

        var page = await store.ListByUserAsync(new GenerationRecordQuery { UserId = user, Limit = 1 });
        page.Records.Select(r => r.GenerationId).Should().Equal(kept.GenerationId);
        page.Next.Should().BeNull("the deleted records left no entry behind to page to");
        (await store.ListByUserAsync(new GenerationRecordQuery { UserId = user, Status = GenerationStatus.Completed })).Records.Should().BeEmpty();
    }

    [Fact]
    public async Task ListByUserAsync_DeletedThenAddedAgain_IsListedOnce()
    {
        var store = await CreateStoreAsync(Clock);
        var user = NewUser();
        var record = NewRecord(createdAt: TestEvents.Epoch) with { UserId = user };
        await store.AddAsync(record);
        await store.DeleteAsync(record.GenerationId);

        await store.AddAsync(record with { CreatedAt = TestEvents.Epoch.AddMinutes(1) });

        var page = await store.ListByUserAsync(new GenerationRecordQuery { UserId = user });
        page.Records.Should().ContainSingle().Which.CreatedAt.Should().Be(TestEvents.Epoch.AddMinutes(1));
    }

    [Theory]
    [InlineData("user-a")]
    [InlineData("USER-A")]
    [InlineData("user-a ")]
    [InlineData("user-")]
    [InlineData("%")]
    [InlineData("x' OR '1'='1")]
    [InlineData("{user-a}")]
    [InlineData("ünïcödé-🚀")]
    public async Task ListByUserAsync_AnotherUsersRecords_NeverAppear(string other)
    {
        var store = await CreateStoreAsync(Clock);
        var user = "user-a" + TestEvents.NewId();
        var otherUser = other + TestEvents.NewId();
        var mine = NewRecord() with { UserId = user };
        var theirs = NewRecord() with { UserId = otherUser };
        var nobodys = NewRecord();
        foreach (var record in new[] { mine, theirs, nobodys })
        {
            await store.AddAsync(record);
        }

        (await store.ListByUserAsync(new GenerationRecordQuery { UserId = user })).Records.Select(r => r.GenerationId).Should().Equal(mine.GenerationId);
        (await store.ListByUserAsync(new GenerationRecordQuery { UserId = otherUser })).Records.Select(r => r.GenerationId).Should().Equal(theirs.GenerationId);
        (await store.ListByUserAsync(new GenerationRecordQuery { UserId = other })).Records.Should().BeEmpty();
    }

    [Fact]
    public async Task ListByUserAsync_UnknownUser_ReturnsAnEmptyLastPage()
    {
        var store = await CreateStoreAsync(Clock);

        var page = await store.ListByUserAsync(new GenerationRecordQuery { UserId = NewUser(), After = new GenerationRecordPosition(TestEvents.Epoch, "x") });

        page.Records.Should().BeEmpty();
        page.Next.Should().BeNull();
    }

    [Fact]
    public async Task ListByUserAsync_LongUserId_IsListed()
    {
        var store = await CreateStoreAsync(Clock);
        var user = new string('u', 5_000) + TestEvents.NewId();
        var record = NewRecord() with { UserId = user };
        await store.AddAsync(record);

        (await store.ListByUserAsync(new GenerationRecordQuery { UserId = user })).Records.Should().ContainSingle().Which.UserId.Should().Be(user);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(GenerationRecordQuery.MaxLimit + 1)]
    [InlineData(int.MaxValue)]
    public async Task ListByUserAsync_LimitOutOfRange_ThrowsNamingTheQuery(int limit)
    {
        var store = await CreateStoreAsync(Clock);

        await FluentActions.Awaiting(() => store.ListByUserAsync(new GenerationRecordQuery { UserId = NewUser(), Limit = limit }).AsTask())
            .Should().ThrowAsync<ArgumentOutOfRangeException>().WithParameterName("query");
    }

    [Fact]
    public async Task ListByUserAsync_NoUserOrNoQuery_Throws()
    {
        var store = await CreateStoreAsync(Clock);

        await FluentActions.Awaiting(() => store.ListByUserAsync(new GenerationRecordQuery { UserId = "" }).AsTask()).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.ListByUserAsync(new GenerationRecordQuery { UserId = null! }).AsTask()).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => store.ListByUserAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Fact]
    public async Task ListByUserAsync_CancelledToken_ThrowsOperationCanceled()
    {
        var store = await CreateStoreAsync(Clock);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await FluentActions.Awaiting(() => store.ListByUserAsync(new GenerationRecordQuery { UserId = NewUser() }, cancelled.Token).AsTask())
            .Should().ThrowAsync<OperationCanceledException>();
    }

    [Fact]
    public async Task AddAsync_Steering_RoundTripsWhole()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Status = GenerationStatus.AwaitingInput, Steering = FullSteering() };

        await store.AddAsync(record);

        var stored = await store.GetAsync(record.GenerationId);
        stored!.Steering.Should().BeEquivalentTo(record.Steering, o => o.WithStrictOrdering());
        stored.Steering!.Review!.AfterPhases.Should().Be(PhaseSelection.Of(1, 3));
        stored.Steering.Gate!.Key.Should().Be("phase:1");
    }

    [Fact]
    public async Task AddAsync_SteeringReviewingAllPhasesAndEnded_RoundTrips()
    {
        var store = await CreateStoreAsync(Clock);
        var steering = new RunSteering
        {
            Revision = 9,
            Review = new ReviewRequest { AfterPhases = PhaseSelection.All },
            PassedGates = ["plan", "phase:1", "phase:2"],
            Ending = GenerationStatus.Cancelled,
        };
        var record = NewRecord() with { Steering = steering };

        await store.AddAsync(record);

        var stored = (await store.GetAsync(record.GenerationId))!.Steering;
        stored.Should().BeEquivalentTo(steering, o => o.WithStrictOrdering());
        stored!.Review!.AfterPhases!.IsAll.Should().BeTrue();
        stored.Review.Plan.Should().BeNull();
        stored.Gate.Should().BeNull();
        stored.Inputs.Should().BeEmpty();
    }

    [Fact]
    public async Task AddAsync_EmptySteering_RoundTripsAsRevisionZero()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Steering = new RunSteering() };

        await store.AddAsync(record);

        var stored = await store.GetAsync(record.GenerationId);
        stored!.Steering.Should().BeEquivalentTo(new RunSteering());
        GenerationRecords.SteeringRevision(stored).Should().Be(0);
    }

    [Fact]
    public async Task AddAsync_NoSteering_ReadsBackNull()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();

        await store.AddAsync(record);

        (await store.GetAsync(record.GenerationId))!.Steering.Should().BeNull();
    }

    [Fact]
    public async Task UpdateAsync_Steering_ReplacesItWhole()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Steering = FullSteering() };
        await store.AddAsync(record);
        var replacement = new RunSteering { Revision = 5, Review = new ReviewRequest { Plan = true }, LockedPaths = ["only.ts"] };

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Steering = replacement });

        updated!.Steering.Should().BeEquivalentTo(replacement, o => o.WithStrictOrdering());
        updated.Steering!.Inputs.Should().BeEmpty("the steering is replaced, not merged");
        (await store.GetAsync(record.GenerationId))!.Steering.Should().BeEquivalentTo(replacement, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task UpdateAsync_WithoutSteering_KeepsTheSteering()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Steering = FullSteering() };
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { PhasesSaved = 1 });

        updated!.Steering.Should().BeEquivalentTo(record.Steering, o => o.WithStrictOrdering());
        (await store.GetAsync(record.GenerationId))!.Steering.Should().BeEquivalentTo(record.Steering, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_AtTheExpectedRevision_AppliesAndReturnsTheRecord()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Status = GenerationStatus.Processing, Steering = FullSteering(revision: 4) };
        await store.AddAsync(record);
        var next = FullSteering(revision: 5) with { Gate = null, PassedGates = ["plan", "phase:1"] };

        var updated = await store.TryUpdateSteeringAsync(record.GenerationId, 4, new GenerationRecordUpdate { Steering = next, Status = GenerationStatus.Queued });

        var expected = record with { Steering = next, Status = GenerationStatus.Queued };
        updated.Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(expected, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_FromNoSteeringAtRevisionZero_Applies()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        var first = new RunSteering { Revision = 1, LockedPaths = ["a.ts"] };

        var updated = await store.TryUpdateSteeringAsync(record.GenerationId, 0, new GenerationRecordUpdate { Steering = first });

        updated!.Steering.Should().BeEquivalentTo(first);
        GenerationRecords.SteeringRevision((await store.GetAsync(record.GenerationId))!).Should().Be(1);
    }

    [Theory]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(long.MaxValue)]
    public async Task TryUpdateSteeringAsync_AtAnotherRevision_ReturnsNullAndChangesNothing(long expectedRevision)
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Steering = FullSteering(revision: 4) };
        await store.AddAsync(record);

        var updated = await store.TryUpdateSteeringAsync(
            record.GenerationId, expectedRevision, new GenerationRecordUpdate { Steering = new RunSteering { Revision = expectedRevision + 1 }, Attempts = 7 });

        updated.Should().BeNull();
        (await store.GetAsync(record.GenerationId)).Should().BeEquivalentTo(record, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_Unknown_ReturnsNull()
    {
        var store = await CreateStoreAsync(Clock);

        (await store.TryUpdateSteeringAsync(TestEvents.NewId(), 0, new GenerationRecordUpdate { Steering = new RunSteering { Revision = 1 } })).Should().BeNull();
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_Deleted_ReturnsNullAndAddsNothing()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        await store.DeleteAsync(record.GenerationId);

        (await store.TryUpdateSteeringAsync(record.GenerationId, 0, new GenerationRecordUpdate { Steering = new RunSteering { Revision = 1 } })).Should().BeNull();
        (await store.GetAsync(record.GenerationId)).Should().BeNull();
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_Twice_FromTheSameRevision_OnlyTheFirstApplies()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);

        var first = await store.TryUpdateSteeringAsync(record.GenerationId, 0, new GenerationRecordUpdate { Steering = new RunSteering { Revision = 1, LockedPaths = ["first.ts"] } });
        var second = await store.TryUpdateSteeringAsync(record.GenerationId, 0, new GenerationRecordUpdate { Steering = new RunSteering { Revision = 1, LockedPaths = ["second.ts"] } });

        first.Should().NotBeNull();
        second.Should().BeNull();
        (await store.GetAsync(record.GenerationId))!.Steering!.LockedPaths.Should().Equal("first.ts");
    }

    [Theory]
    [InlineData(2)]
    [InlineData(16)]
    public async Task TryUpdateSteeringAsync_ConcurrentFromTheSameRevision_ExactlyOneApplies(int racers)
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Status = GenerationStatus.AwaitingInput, Steering = FullSteering(revision: 4) };
        await store.AddAsync(record);
        using var start = new SemaphoreSlim(0, racers);

        var attempts = Enumerable.Range(0, racers).Select(i => Task.Run(async () =>
        {
            await start.WaitAsync();
            var steering = FullSteering(revision: 5) with { Gate = null, LockedPaths = [$"racer-{i}.ts"] };
            return (Racer: i, Record: await store.TryUpdateSteeringAsync(
                record.GenerationId, 4, new GenerationRecordUpdate { Steering = steering, Status = GenerationStatus.Queued, Owner = $"instance-{i}" }));
        })).ToList();
        start.Release(racers);
        var results = await Task.WhenAll(attempts).WithPatience();

        var winner = results.Should().ContainSingle(r => r.Record != null).Subject;
        var stored = await store.GetAsync(record.GenerationId);
        stored!.Steering!.LockedPaths.Should().Equal($"racer-{winner.Racer}.ts");
        stored.Owner.Should().Be($"instance-{winner.Racer}");
        stored.Steering.Revision.Should().Be(5);
        winner.Record.Should().BeEquivalentTo(stored, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_TerminalRecord_KeepsItsStatusAndEndButAppliesTheSteering()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Steering = FullSteering(revision: 2) };
        await store.AddAsync(record);
        await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Cancelled });
        Clock.Advance(TimeSpan.FromMinutes(5));
        var next = FullSteering(revision: 3) with { Gate = null, Ending = GenerationStatus.Cancelled };

        var updated = await store.TryUpdateSteeringAsync(record.GenerationId, 2, new GenerationRecordUpdate { Steering = next, Status = GenerationStatus.Queued });

        updated!.Status.Should().Be(GenerationStatus.Cancelled);
        updated.EndedAt.Should().Be(TestEvents.Epoch);
        updated.Steering.Should().BeEquivalentTo(next);
        var stored = await store.GetAsync(record.GenerationId);
        stored.Should().BeEquivalentTo(updated);
        (await store.ListUnfinishedAsync()).Should().NotContain(r => r.GenerationId == record.GenerationId);
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_TerminalStatus_SetsEndedAtFromTheStoreClock()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord() with { Status = GenerationStatus.AwaitingInput, Steering = FullSteering(revision: 1) };
        await store.AddAsync(record);
        Clock.Advance(TimeSpan.FromHours(24));

        var updated = await store.TryUpdateSteeringAsync(
            record.GenerationId, 1, new GenerationRecordUpdate { Steering = FullSteering(revision: 2) with { Gate = null }, Status = GenerationStatus.Cancelled });

        updated!.Status.Should().Be(GenerationStatus.Cancelled);
        updated.EndedAt.Should().Be(TestEvents.Epoch.AddHours(24));
        (await store.ListEndedAsync()).Should().Contain(r => r.GenerationId == record.GenerationId);
    }

    [Fact]
    public async Task ListUnfinishedAsync_AwaitingInput_IsListedAndNotEnded()
    {
        var store = await CreateStoreAsync(Clock);
        var waiting = NewRecord() with { Status = GenerationStatus.Processing };
        var added = NewRecord() with { Status = GenerationStatus.AwaitingInput, Steering = FullSteering() };
        await store.AddAsync(waiting);
        await store.AddAsync(added);

        await store.UpdateAsync(waiting.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.AwaitingInput });

        var unfinished = (await store.ListUnfinishedAsync()).Where(r => r.GenerationId == waiting.GenerationId || r.GenerationId == added.GenerationId).ToList();
        unfinished.Should().HaveCount(2).And.OnlyContain(r => r.Status == GenerationStatus.AwaitingInput && r.EndedAt == null);
        unfinished.Single(r => r.GenerationId == added.GenerationId).Steering.Should().BeEquivalentTo(added.Steering, o => o.WithStrictOrdering());
        (await store.ListEndedAsync()).Should().NotContain(r => r.GenerationId == waiting.GenerationId || r.GenerationId == added.GenerationId);
    }

    [Fact]
    public async Task TryUpdateSteeringAsync_HostileText_RoundTripsVerbatim()
    {
        var store = await CreateStoreAsync(Clock);
        string[] hostile =
        [
            new string('i', 40_000),
            "\"}]}; DROP TABLE records; --",
            "x' OR '1'='1",
            "\u0000nul \u0001 \u001f controls",
            "\\\\server\\share \\\" \\n",
            "ünïcödé 🚀 𝔘𝔫𝔦 \u200b\u202e rtl",
            "{\"revision\": 99}",
            "]]>--><!--",
        ];
        var steering = new RunSteering
        {
            Revision = 1,
            Inputs = [.. hostile.Select((text, i) => new AcceptedInput
            {
                Number = i + 1,
                Action = InputActions.Instruct,
                Message = text,
                Status = GenerationStatus.Processing,
                AcceptedAt = TestEvents.Epoch,
                Instruction = text,
                Paths = [text],
            })],
            LockedPaths = hostile,
            PassedGates = hostile,
            Ending = hostile[1],
        };
        var record = NewRecord() with { Steering = steering };

        await store.AddAsync(record);
        var updated = await store.TryUpdateSteeringAsync(record.GenerationId, 1, new GenerationRecordUpdate { Steering = steering with { Revision = 2 } });

        updated!.Steering.Should().BeEquivalentTo(steering with { Revision = 2 }, o => o.WithStrictOrdering());
        (await store.GetAsync(record.GenerationId))!.Steering.Should().BeEquivalentTo(steering with { Revision = 2 }, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task UpdateAsync_SteeringOfAboutOneMegabyte_RoundTrips()
    {
        var store = await CreateStoreAsync(Clock);
        var instruction = new string('é', 3_900);
        var steering = new RunSteering
        {
            Revision = 1,
            Inputs = [.. Enumerable.Range(1, 50).Select(n => new AcceptedInput
            {
                Number = n,
                Action = InputActions.Instruct,
                Message = $"Instruction queued for phase {n}",
                Status = GenerationStatus.Processing,
                AcceptedAt = TestEvents.Epoch.AddSeconds(n),
                Phase = n,
                Instruction = instruction,
            })],
            LockedPaths = [.. Enumerable.Range(0, 1_000).Select(i => $"src/very/deep/folder/structure/component-{i:D4}/{new string('f', 500)}.ts")],
        };
        var record = NewRecord() with { Steering = steering };
        await store.AddAsync(record);

        var updated = await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Steering = steering with { Revision = 2 } });

        updated!.Steering.Should().BeEquivalentTo(steering with { Revision = 2 }, o => o.WithStrictOrdering());
        (await store.GetAsync(record.GenerationId))!.Steering.Should().BeEquivalentTo(steering with { Revision = 2 }, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task ListUnfinishedAsync_ReturnsQueuedAndProcessing_OldestFirst()
    {
        var store = await CreateStoreAsync(Clock);
        var newer = NewRecord(createdAt: TestEvents.Epoch.AddMinutes(2)) with { Status = GenerationStatus.Processing };
        var oldest = NewRecord(createdAt: TestEvents.Epoch);
        var middle = NewRecord(createdAt: TestEvents.Epoch.AddMinutes(1));
        var ended = NewRecord(createdAt: TestEvents.Epoch.AddSeconds(-30));
        foreach (var record in new[] { newer, oldest, ended, middle })
        {
            await store.AddAsync(record);
        }

        await store.UpdateAsync(ended.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Completed });

        var ids = new[] { newer.GenerationId, oldest.GenerationId, middle.GenerationId, ended.GenerationId };
        (await store.ListUnfinishedAsync()).Select(r => r.GenerationId).Where(ids.Contains)
            .Should().Equal(oldest.GenerationId, middle.GenerationId, newer.GenerationId);
    }

    [Fact]
    public async Task ListEndedAsync_ReturnsTerminalRecords_EarliestEndedFirst()
    {
        var store = await CreateStoreAsync(Clock);
        var first = NewRecord();
        var second = NewRecord(createdAt: TestEvents.Epoch.AddMinutes(-5));
        var third = NewRecord(createdAt: TestEvents.Epoch.AddMinutes(-1));
        var running = NewRecord();
        foreach (var record in new[] { third, running, first, second })
        {
            await store.AddAsync(record);
        }

        foreach (var (record, status) in new[] { (first, GenerationStatus.Completed), (second, GenerationStatus.Failed), (third, GenerationStatus.Cancelled) })
        {
            Clock.Advance(TimeSpan.FromSeconds(10));
            await store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Status = status });
        }

        var ended = (await store.ListEndedAsync()).Where(r => r.GenerationId == first.GenerationId || r.GenerationId == second.GenerationId
            || r.GenerationId == third.GenerationId || r.GenerationId == running.GenerationId).ToList();
        ended.Select(r => r.GenerationId).Should().Equal(first.GenerationId, second.GenerationId, third.GenerationId);
        ended.Select(r => r.EndedAt).Should().BeInAscendingOrder();
    }

    [Fact]
    public async Task ListAsync_ReturnsFullRecords()
    {
        var store = await CreateStoreAsync(Clock);
        var record = FullRecord();
        await store.AddAsync(record);

        var listed = (await store.ListUnfinishedAsync()).Single(r => r.GenerationId == record.GenerationId);

        listed.Should().BeEquivalentTo(record, o => o.WithStrictOrdering());
    }

    [Fact]
    public async Task ListAsync_EmptyStore_ReturnsEmptyLists()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();

        (await store.ListUnfinishedAsync()).Should().NotContain(r => r.GenerationId == record.GenerationId);
        (await store.ListEndedAsync()).Should().NotContain(r => r.GenerationId == record.GenerationId);
    }

    [Fact]
    public async Task DeleteAsync_RemovesTheRecordFromGetAndLists()
    {
        var store = await CreateStoreAsync(Clock);
        var running = NewRecord();
        var ended = NewRecord();
        await store.AddAsync(running);
        await store.AddAsync(ended);
        await store.UpdateAsync(ended.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Completed });

        (await store.DeleteAsync(running.GenerationId)).Should().BeTrue();
        (await store.DeleteAsync(ended.GenerationId)).Should().BeTrue();

        (await store.GetAsync(running.GenerationId)).Should().BeNull();
        (await store.GetAsync(ended.GenerationId)).Should().BeNull();
        (await store.ListUnfinishedAsync()).Should().NotContain(r => r.GenerationId == running.GenerationId);
        (await store.ListEndedAsync()).Should().NotContain(r => r.GenerationId == ended.GenerationId);
        (await store.UpdateAsync(running.GenerationId, new GenerationRecordUpdate { Attempts = 2 })).Should().BeNull();
    }

    [Fact]
    public async Task DeleteAsync_UnknownOrTwice_ReturnsFalse()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        await store.DeleteAsync(record.GenerationId);

        (await store.DeleteAsync(record.GenerationId)).Should().BeFalse();
        (await store.DeleteAsync(TestEvents.NewId())).Should().BeFalse();
    }

    [Fact]
    public async Task DeleteAsync_LeavesOtherRecords()
    {
        var store = await CreateStoreAsync(Clock);
        var kept = FullRecord();
        var deleted = NewRecord();
        await store.AddAsync(kept);
        await store.AddAsync(deleted);

        await store.DeleteAsync(deleted.GenerationId);

        (await store.GetAsync(kept.GenerationId)).Should().BeEquivalentTo(kept);
    }

    [Fact]
    public async Task NullArguments_Throw()
    {
        var store = await CreateStoreAsync(Clock);

        await FluentActions.Awaiting(() => store.AddAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => store.GetAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => store.UpdateAsync(null!, new GenerationRecordUpdate()).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => store.UpdateAsync(TestEvents.NewId(), null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => store.TryUpdateSteeringAsync(null!, 0, new GenerationRecordUpdate()).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => store.TryUpdateSteeringAsync(TestEvents.NewId(), 0, null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
        await FluentActions.Awaiting(() => store.DeleteAsync(null!).AsTask()).Should().ThrowAsync<ArgumentNullException>();
    }

    [Theory]
    [InlineData("")]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public async Task AddAsync_BlankId_ThrowsArgument(string id)
    {
        var store = await CreateStoreAsync(Clock);

        await FluentActions.Awaiting(() => store.AddAsync(NewRecord(id)).AsTask()).Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task CancelledToken_ThrowsOperationCanceled()
    {
        var store = await CreateStoreAsync(Clock);
        var record = NewRecord();
        await store.AddAsync(record);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();
        var token = cancelled.Token;

        await FluentActions.Awaiting(() => store.AddAsync(NewRecord(), token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.GetAsync(record.GenerationId, token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.UpdateAsync(record.GenerationId, new GenerationRecordUpdate { Attempts = 9 }, token).AsTask())
            .Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.TryUpdateSteeringAsync(record.GenerationId, 0, new GenerationRecordUpdate { Attempts = 9 }, token).AsTask())
            .Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.ListUnfinishedAsync(token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.ListEndedAsync(token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        await FluentActions.Awaiting(() => store.DeleteAsync(record.GenerationId, token).AsTask()).Should().ThrowAsync<OperationCanceledException>();
        (await store.GetAsync(record.GenerationId))!.Attempts.Should().Be(1, "a cancelled update changes nothing");
    }
}
