using Iteration.Streaming.Events;
using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Hosting;
using Iteration.Streaming.Sqlite.Records;
using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Sqlite.Tests.Storage;

/// <summary>A file written by an earlier version of the package opens, keeps what it holds and gains what is new.</summary>
public sealed class SchemaUpgradeTests : IDisposable
{
    private const string PathKey = "IterationStreaming:Sqlite:Path";

    /// <summary>Schema version 1 as the package created it, before records held their steering.</summary>
    private const string Version1 = """
        CREATE TABLE logs (log_id INTEGER PRIMARY KEY AUTOINCREMENT, generation_id TEXT NOT NULL UNIQUE);
        CREATE TABLE events (
            log_id INTEGER NOT NULL, seq INTEGER NOT NULL, essential INTEGER NOT NULL, frame BLOB NOT NULL,
            gap_seq INTEGER, gap_frame BLOB, PRIMARY KEY (log_id, seq)
        ) WITHOUT ROWID;
        CREATE INDEX events_ticks ON events (log_id, seq) WHERE essential = 0;
        CREATE TABLE records (
            generation_id TEXT NOT NULL PRIMARY KEY, parent_generation_id TEXT, retry_of TEXT, prompt TEXT NOT NULL,
            modification_prompt TEXT, entities TEXT NOT NULL, user_id TEXT, mode TEXT, plan TEXT, phases_saved INTEGER NOT NULL,
            attempts INTEGER NOT NULL, status TEXT NOT NULL, ended INTEGER NOT NULL, created_at INTEGER NOT NULL, ended_at INTEGER,
            interrupted_at INTEGER, owner TEXT, file_count INTEGER NOT NULL, total_bytes INTEGER NOT NULL
        );
        CREATE INDEX records_unfinished ON records (created_at) WHERE ended = 0;
        CREATE INDEX records_ended ON records (ended_at) WHERE ended = 1;
        PRAGMA application_id = 1230205809;
        PRAGMA user_version = 1;
        """;

    /// <summary>Schema version 2: version 1 and the records' steering, before owners' lists and budgets.</summary>
    private const string Version2Changes = """
        ALTER TABLE records ADD COLUMN steering TEXT;
        ALTER TABLE records ADD COLUMN steering_revision INTEGER NOT NULL DEFAULT 0;
        PRAGMA user_version = 2;
        """;

    /// <summary>Schema version 3: version 2 upgraded by the package (spend, budgets, owners' lists), before forks and reverts.</summary>
    private static readonly string Version3Changes = SqliteSchema.Migrations[1] + "PRAGMA user_version = 3;";

    /// <summary>Schema version 4: version 3 upgraded by the package (forks and reverts), before phase checkpoints.</summary>
    private static readonly string Version4Changes = SqliteSchema.Migrations[2] + "PRAGMA user_version = 4;";

    private readonly TempFolder _folder = new();
    private readonly FakeTimeProvider _clock = new(TestEvents.Epoch);

    public void Dispose() => _folder.Dispose();

    [Fact]
    public async Task Open_StoreOfVersion1_UpgradesToTheCurrentVersionAndKeepsItsRecords()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run", "ended-run");

        using (var store = SqliteStore.Open(Options(path)))
        {
            var records = new SqliteGenerationRecordStore(store, _clock);

            var running = await records.GetAsync("waiting-run");
            running!.Prompt.Should().Be("Build a blog");
            running.Plan.Should().BeNull();
            running.Steering.Should().BeNull("a record of version 1 has no steering");
            GenerationRecords.SteeringRevision(running).Should().Be(0);
            (await records.ListUnfinishedAsync()).Select(r => r.GenerationId).Should().Equal("waiting-run");
            (await records.ListEndedAsync()).Select(r => r.GenerationId).Should().Equal("ended-run");
        }

        Number(path, "user_version").Should().Be(SqliteSchema.Version);
        Number(path, "application_id").Should().Be(SqliteSchema.ApplicationId);
        Number(path, "SELECT count(*) FROM events").Should().Be(1, "the event logs are kept");
    }

    [Fact]
    public async Task Open_StoreOfVersion1_TakesSteeringThatSurvivesARestart()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run");
        var steering = new RunSteering { Revision = 1, LockedPaths = ["src/a.ts"], PassedGates = ["plan"] };

        using (var store = SqliteStore.Open(Options(path)))
        {
            var updated = await new SqliteGenerationRecordStore(store, _clock).TryUpdateSteeringAsync(
                "waiting-run", 0, new GenerationRecordUpdate { Steering = steering, Status = GenerationStatus.AwaitingInput });
            updated!.Steering.Should().BeEquivalentTo(steering);
        }

        using (var reopened = SqliteStore.Open(Options(path)))
        {
            var stored = await new SqliteGenerationRecordStore(reopened, _clock).GetAsync("waiting-run");
            stored!.Steering.Should().BeEquivalentTo(steering);
            stored.Status.Should().Be(GenerationStatus.AwaitingInput);
        }

        Number(path, "SELECT steering_revision FROM records WHERE generation_id = 'waiting-run'").Should().Be(1);
    }

    [Fact]
    public void Open_StoreOfVersion1ThatCannotBeUpgraded_FailsNamingTheVersionsAndLeavesTheFile()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run");
        Execute(path, "ALTER TABLE records ADD COLUMN steering TEXT;");

        var act = () => SqliteStore.Open(Options(path));

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*schema version 1*upgraded to version {SqliteSchema.Version}*steering*");
        Number(path, "user_version").Should().Be(1, "a failed upgrade is rolled back whole");
        Number(path, "SELECT count(*) FROM pragma_table_info('records') WHERE name = 'steering_revision'").Should().Be(0);
    }

    [Fact]
    public async Task Open_StoreOfVersion2_UpgradesKeepingItsRecordsAndListsThemByUser()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run", "ended-run");
        Execute(path, Version2Changes);
        Execute(path, $"UPDATE records SET user_id = 'alice', created_at = {TestEvents.Epoch.AddTicks(9_999).UtcTicks} WHERE generation_id = 'waiting-run';");
        Execute(path, $"UPDATE records SET user_id = 'alice', created_at = {TestEvents.Epoch.AddMilliseconds(-1).UtcTicks} WHERE generation_id = 'ended-run';");

        using (var store = SqliteStore.Open(Options(path)))
        {
            var records = new SqliteGenerationRecordStore(store, _clock);

            var page = await records.ListByUserAsync(new GenerationRecordQuery { UserId = "alice", Limit = 1 });
            var next = await records.ListByUserAsync(new GenerationRecordQuery { UserId = "alice", After = page.Next });
            var running = await records.GetAsync("waiting-run");

            page.Records.Select(r => r.GenerationId).Should().Equal("waiting-run");
            next.Records.Select(r => r.GenerationId).Should().Equal("ended-run");
            next.Next.Should().BeNull();
            running!.Budget.Should().BeNull("a record of version 2 has no budget");
            running.Usage.Should().BeNull();
            running.Cost.Should().BeNull();
            running.Stage.Should().BeNull();
            running.Progress.Should().Be(0);
            running.RetryAt.Should().BeNull();
            running.AutoRetries.Should().Be(0);
            running.CreatedAt.Should().Be(TestEvents.Epoch.AddTicks(9_999), "the creation time keeps its ticks");
        }

        Number(path, "user_version").Should().Be(SqliteSchema.Version);
        Number(path, "SELECT created_ms FROM records WHERE generation_id = 'waiting-run'").Should().Be(TestEvents.Epoch.ToUnixTimeMilliseconds());
        Number(path, "SELECT count(*) FROM sqlite_master WHERE name IN ('records_by_user', 'budget_days', 'budget_reservations', 'budget_unsettled')").Should().Be(4);
    }

    [Fact]
    public async Task Open_StoreOfVersion2_TakesSpendAndABudgetLedgerThatSurviveARestart()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run");
        Execute(path, Version2Changes);
        var usage = new Iteration.Streaming.Contracts.GenerationUsage { InputTokens = 10, OutputTokens = 20 };

        using (var store = SqliteStore.Open(Options(path)))
        {
            await new SqliteGenerationRecordStore(store, _clock).UpdateAsync("waiting-run", new GenerationRecordUpdate { Usage = usage, AutoRetries = 1 });
            var reserved = await new Iteration.Streaming.Sqlite.Budgets.SqliteBudgetLedger(store, _clock).TryReserveAsync(new Iteration.Streaming.Budgets.BudgetReservation
            {
                UserId = "alice",
                GenerationId = "waiting-run",
                Tokens = 500,
                Day = DateOnly.FromDateTime(TestEvents.Epoch.UtcDateTime),
                At = TestEvents.Epoch,
            });
            reserved.Reserved.Should().BeTrue();
        }

        using (var reopened = SqliteStore.Open(Options(path)))
        {
            var stored = await new SqliteGenerationRecordStore(reopened, _clock).GetAsync("waiting-run");
            stored!.Usage.Should().BeEquivalentTo(usage);
            stored.AutoRetries.Should().Be(1);
            var day = await new Iteration.Streaming.Sqlite.Budgets.SqliteBudgetLedger(reopened, _clock).GetDayAsync("alice", DateOnly.FromDateTime(TestEvents.Epoch.UtcDateTime));
            day.Should().Be(new Iteration.Streaming.Budgets.BudgetDay(500, 1));
        }
    }

    [Fact]
    public void Open_StoreOfVersion2ThatCannotBeUpgraded_FailsNamingTheVersionsAndLeavesTheFile()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run");
        Execute(path, Version2Changes);
        Execute(path, "CREATE TABLE budget_days (x);");

        var act = () => SqliteStore.Open(Options(path));

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*schema version 2*upgraded to version {SqliteSchema.Version}*budget_days*");
        Number(path, "user_version").Should().Be(2, "a failed upgrade is rolled back whole");
        Number(path, "SELECT count(*) FROM pragma_table_info('records') WHERE name = 'created_ms'").Should().Be(0);
    }

    [Fact]
    public async Task Open_StoreOfVersion3_UpgradesKeepingEveryRecord_AndReadsTheForkAndRevertFieldsAsNull()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run", "ended-run");
        Execute(path, Version2Changes);
        Execute(path, Version3Changes);
        Execute(path, "UPDATE records SET user_id = 'alice', stage = 'phase 2', auto_retries = 2 WHERE generation_id = 'waiting-run';");

        using (var store = SqliteStore.Open(Options(path)))
        {
            var records = new SqliteGenerationRecordStore(store, _clock);

            var running = await records.GetAsync("waiting-run");
            var ended = await records.GetAsync("ended-run");

            running!.Prompt.Should().Be("Build a blog");
            running.UserId.Should().Be("alice");
            running.Stage.Should().Be("phase 2");
            running.AutoRetries.Should().Be(2);
            ended!.Status.Should().Be(GenerationStatus.Completed);
            foreach (var record in new[] { running, ended })
            {
                record.ForkedFrom.Should().BeNull("a record of version 3 is no fork");
                record.FromPhase.Should().BeNull();
                record.Revert.Should().BeNull("a record of version 3 is no revert");
            }

            (await records.ListUnfinishedAsync()).Select(r => r.GenerationId).Should().Equal("waiting-run");
            (await records.ListEndedAsync()).Select(r => r.GenerationId).Should().Equal("ended-run");
        }

        Number(path, "user_version").Should().Be(SqliteSchema.Version);
        Number(path, "SELECT count(*) FROM records").Should().Be(2);
        Number(path, "SELECT count(*) FROM events").Should().Be(1, "the event logs are kept");
    }

    [Fact]
    public async Task Open_StoreOfVersion3_TakesAForkAndARevertThatSurviveARestart()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run");
        Execute(path, Version2Changes);
        Execute(path, Version3Changes);
        var fork = TestRecord("fork-run") with { ForkedFrom = "waiting-run", FromPhase = 2 };
        var revert = TestRecord("revert-run") with { ParentGenerationId = "waiting-run", Revert = new GenerationRevert { To = "phase:1", Paths = ["a.txt", "src/b.ts"] } };

        using (var store = SqliteStore.Open(Options(path)))
        {
            var records = new SqliteGenerationRecordStore(store, _clock);
            await records.AddAsync(fork);
            await records.AddAsync(revert);
        }

        using (var reopened = SqliteStore.Open(Options(path)))
        {
            var records = new SqliteGenerationRecordStore(reopened, _clock);
            (await records.GetAsync("fork-run")).Should().BeEquivalentTo(fork);
            (await records.GetAsync("revert-run")).Should().BeEquivalentTo(revert);
        }
    }

    [Fact]
    public void Open_StoreOfVersion3ThatCannotBeUpgraded_FailsNamingTheVersionsAndLeavesTheFile()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run");
        Execute(path, Version2Changes);
        Execute(path, Version3Changes);
        Execute(path, "ALTER TABLE records ADD COLUMN revert TEXT;");

        var act = () => SqliteStore.Open(Options(path));

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*schema version 3*upgraded to version {SqliteSchema.Version}*revert*");
        Number(path, "user_version").Should().Be(3, "a failed upgrade is rolled back whole");
        Number(path, "SELECT count(*) FROM pragma_table_info('records') WHERE name = 'forked_from'").Should().Be(0);
    }

    [Fact]
    public async Task Open_StoreOfVersion4_UpgradesKeepingItsRecordsAndEvents_AndTakesCheckpointsThatSurviveARestart()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run", "ended-run");
        Execute(path, Version2Changes);
        Execute(path, Version3Changes);
        Execute(path, Version4Changes);
        var write = new Iteration.Streaming.Checkpoints.PhaseCheckpointWrite
        {
            GenerationId = "waiting-run",
            Phase = 2,
            Attempt = 1,
            Reset = true,
            Files = [Iteration.Streaming.Files.GeneratedFile.FromText("src/a.ts", "a")],
            CurrentFile = "src/b.ts",
            Text = "const b",
            ResumeState = new byte[] { 7 },
            WrittenAt = TestEvents.Epoch,
        };

        using (var store = SqliteStore.Open(Options(path)))
        {
            var records = new SqliteGenerationRecordStore(store, _clock);
            (await records.GetAsync("waiting-run"))!.Prompt.Should().Be("Build a blog");
            (await records.ListEndedAsync()).Select(r => r.GenerationId).Should().Equal("ended-run");
            await new Iteration.Streaming.Sqlite.Checkpoints.SqlitePhaseCheckpointStore(store).WriteAsync(write);
        }

        using (var reopened = SqliteStore.Open(Options(path)))
        {
            var checkpoint = await new Iteration.Streaming.Sqlite.Checkpoints.SqlitePhaseCheckpointStore(reopened).ReadAsync("waiting-run");
            checkpoint!.CurrentText.Should().Be("const b");
            checkpoint.Files.Select(f => f.Path).Should().Equal("src/a.ts");
            checkpoint.ResumeState.ToArray().Should().Equal(7);
        }

        Number(path, "user_version").Should().Be(SqliteSchema.Version);
        Number(path, "SELECT count(*) FROM records").Should().Be(2);
        Number(path, "SELECT count(*) FROM events").Should().Be(1, "the event logs are kept");
        Number(path, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('checkpoints', 'checkpoint_files', 'checkpoint_text')").Should().Be(3);
    }

    [Fact]
    public void Open_StoreOfVersion4ThatCannotBeUpgraded_FailsNamingTheVersionsAndLeavesTheFile()
    {
        var path = _folder.File();
        CreateVersion1(path, "waiting-run");
        Execute(path, Version2Changes);
        Execute(path, Version3Changes);
        Execute(path, Version4Changes);
        Execute(path, "CREATE TABLE checkpoint_text (x);");

        var act = () => SqliteStore.Open(Options(path));

        act.Should().Throw<InvalidOperationException>().WithMessage($"*'{path}'*{PathKey}*schema version 4*upgraded to version {SqliteSchema.Version}*checkpoint_text*");
        Number(path, "user_version").Should().Be(4, "a failed upgrade is rolled back whole");
        Number(path, "SELECT count(*) FROM sqlite_master WHERE name = 'checkpoints'").Should().Be(0);
    }

    [Fact]
    public void Open_CurrentVersion_IsNotUpgradedAgain()
    {
        var path = _folder.File();
        SqliteStore.Open(Options(path)).Dispose();

        SqliteStore.Open(Options(path)).Dispose();

        Number(path, "user_version").Should().Be(SqliteSchema.Version);
        Number(path, "SELECT count(*) FROM pragma_table_info('records') WHERE name LIKE 'steering%'").Should().Be(2);
    }

    private GenerationRecord TestRecord(string generationId) => new()
    {
        GenerationId = generationId,
        Prompt = "Build a blog",
        Entities = ["Post"],
        Status = GenerationStatus.Queued,
        CreatedAt = _clock.GetUtcNow(),
    };

    private static SqliteStoreOptions Options(string path) => new() { Path = path, BusyTimeout = TimeSpan.FromMinutes(1) };

    private static void CreateVersion1(string path, string running, string? ended = null)
    {
        Execute(path, Version1);
        Execute(path, $"""
            INSERT INTO records (generation_id, prompt, entities, phases_saved, attempts, status, ended, created_at, file_count, total_bytes)
            VALUES ('{running}', 'Build a blog', '["Post"]', 0, 1, 'processing', 0, {TestEvents.Epoch.UtcTicks}, 0, 0);
            INSERT INTO logs (generation_id) VALUES ('{running}');
            INSERT INTO events (log_id, seq, essential, frame) VALUES (1, 0, 1, x'00');
            """);
        if (ended is not null)
        {
            Execute(path, $"""
                INSERT INTO records (generation_id, prompt, entities, phases_saved, attempts, status, ended, created_at, ended_at, file_count, total_bytes)
                VALUES ('{ended}', 'Build a shop', '[]', 0, 1, 'completed', 1, {TestEvents.Epoch.UtcTicks}, {TestEvents.Epoch.UtcTicks}, 0, 0);
                """);
        }
    }

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>A pragma's value (<c>user_version</c>) or a query's single number.</summary>
    private static long Number(string path, string nameOrQuery)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = nameOrQuery.StartsWith("SELECT", StringComparison.Ordinal) ? nameOrQuery : $"PRAGMA {nameOrQuery};";
        return Convert.ToInt64(command.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
