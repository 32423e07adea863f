using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;
using Iteration.Streaming.Records;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Records;

public sealed class SqliteRecordStoreTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public void IsDurable_IsTrue() => _harness.Records.IsDurable.Should().BeTrue();

    [Fact]
    public async Task Restart_KeepsRecordsAndWhatEndedThem()
    {
        var running = Record() with { PhasesSaved = 2, Plan = [new PlannedPhase(1, "Core Infrastructure", PhaseKind.CoreInfrastructure)] };
        var ended = Record();
        await _harness.Records.AddAsync(running);
        await _harness.Records.AddAsync(ended);
        _harness.Clock.Advance(TimeSpan.FromMinutes(3));
        await _harness.Records.UpdateAsync(ended.GenerationId, new GenerationRecordUpdate { Status = GenerationStatus.Failed });

        _harness.Reopen();

        (await _harness.Records.ListUnfinishedAsync()).Should().ContainSingle().Which.Should().BeEquivalentTo(running);
        var stored = (await _harness.Records.ListEndedAsync()).Should().ContainSingle().Subject;
        stored.Status.Should().Be(GenerationStatus.Failed);
        stored.EndedAt.Should().Be(TestEvents.Epoch.AddMinutes(3));
    }

    [Fact]
    public async Task Times_KeepTheirTicksAndComeBackInUtc()
    {
        var created = new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.FromHours(2)).AddTicks(1_234_567);
        var record = Record() with { CreatedAt = created, InterruptedAt = created.AddTicks(1) };
        await _harness.Records.AddAsync(record);

        var stored = await _harness.Records.GetAsync(record.GenerationId);

        stored!.CreatedAt.Should().Be(created);
        stored.CreatedAt.Offset.Should().Be(TimeSpan.Zero);
        stored.InterruptedAt.Should().Be(created.AddTicks(1));
    }

    [Fact]
    public async Task AddAsync_RecordMissingRequiredValues_ThrowsArgument()
    {
        await FluentActions.Awaiting(() => _harness.Records.AddAsync(Record() with { Prompt = null! }).AsTask()).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => _harness.Records.AddAsync(Record() with { Entities = null! }).AsTask()).Should().ThrowAsync<ArgumentException>();
        await FluentActions.Awaiting(() => _harness.Records.AddAsync(Record() with { Status = null! }).AsTask()).Should().ThrowAsync<ArgumentException>();
    }

    [Fact]
    public async Task UnreadableRow_FailsNamingTheGenerationAndTheFile()
    {
        var record = Record();
        await _harness.Records.AddAsync(record);
        using (var connection = _harness.OpenRaw())
        {
            using var command = connection.CreateCommand();
            command.CommandText = $"UPDATE records SET plan = '{{not json' WHERE generation_id = '{record.GenerationId}';";
            command.ExecuteNonQuery();
        }

        await FluentActions.Awaiting(() => _harness.Records.GetAsync(record.GenerationId).AsTask())
            .Should().ThrowAsync<InvalidDataException>().WithMessage($"*{record.GenerationId}*{_harness.Path}*damaged*");
    }

    [Fact]
    public async Task RecordsAndLogs_ShareOneFileAndStayApart()
    {
        var record = Record();
        await _harness.Records.AddAsync(record);
        await _harness.Log.CreateAsync(record.GenerationId);
        await _harness.Log.AppendAsync(TestEvents.Progress(record.GenerationId, 0));

        await _harness.Log.DeleteAsync(record.GenerationId);

        (await _harness.Records.GetAsync(record.GenerationId)).Should().NotBeNull("the engine deletes a record and a log apart");
    }

    private static GenerationRecord Record() => new()
    {
        GenerationId = TestEvents.NewId(),
        Prompt = "Build a blog",
        Entities = ["Post"],
        Status = GenerationStatus.Processing,
        CreatedAt = TestEvents.Epoch,
        Attempts = 1,
    };
}
