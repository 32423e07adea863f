using Iteration.Streaming.EventLog;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.EventLog;

/// <summary>Concurrent appends share transactions; each generation's appends keep their order.</summary>
public sealed class GroupCommitTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ConcurrentAppends_AreCommittedTogether()
    {
        var ids = await CreateAsync(10);
        var before = _harness.Store.Writer.CommittedBatches;
        var appends = new List<Task<EventLogEntry>>();
        using (var writeLock = new WriteLock(_harness))
        {
            for (var i = 0; i < 20; i++)
            {
                appends.AddRange(ids.Select(id => _harness.Log.AppendAsync(TestEvents.Progress(id, i)).AsTask()));
            }

            writeLock.Release();
        }

        await Task.WhenAll(appends).WithPatience();

        (_harness.Store.Writer.CommittedBatches - before).Should().BeLessThanOrEqualTo(
            2, "the writer waits at its first batch; everything queued meanwhile goes into the next one");
    }

    [Fact]
    public async Task ConcurrentAppends_KeepEachGenerationsOrder()
    {
        var ids = await CreateAsync(8);

        await Task.WhenAll(ids.Select(id => Task.Run(async () =>
        {
            var pending = Enumerable.Range(0, 100).Select(i => _harness.Log.AppendAsync(TestEvents.Progress(id, i)).AsTask()).ToList();
            await Task.WhenAll(pending);
        }))).WithPatience();

        foreach (var id in ids)
        {
            await using var replay = await _harness.Log.SubscribeAsync(id);
            var entries = await replay.TakeAsync(100);

            entries.Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, 100).Select(i => (long)i));
            entries.Select(e => e.Event.CurrentFile).Should().Equal(Enumerable.Range(0, 100).Select(i => $"src/File{i}.cs"), "appends of one generation are written in the order they were made");
        }
    }

    [Fact]
    public async Task ManyGenerations_ManyAppends_AllDurableAndContiguous()
    {
        var ids = await CreateAsync(20);

        await Task.WhenAll(ids.Select(id => Task.Run(async () =>
        {
            for (var i = 0; i < 50; i++)
            {
                await _harness.Log.AppendAsync(TestEvents.Progress(id, i));
            }

            await _harness.Log.AppendAsync(TestEvents.Completed(id));
        }))).WithPatience();

        _harness.Reopen();
        foreach (var id in ids)
        {
            await using var replay = await _harness.Log.SubscribeAsync(id);
            (await replay.ReadAllAsync().ToListAsync().WithPatience()).Select(e => e.Sequence).Should().Equal(Enumerable.Range(1, 51).Select(i => (long)i));
        }
    }

    private async Task<List<string>> CreateAsync(int count)
    {
        var ids = Enumerable.Range(0, count).Select(_ => TestEvents.NewId()).ToList();
        await Task.WhenAll(ids.Select(id => _harness.Log.CreateAsync(id).AsTask()));
        return ids;
    }
}
