using Iteration.Streaming.Sqlite.Storage;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.Storage;

/// <summary>
/// With <c>FlushCommitsToDisk</c>, a batch of writes that need no flush of their own (phase checkpoints) commits with
/// <c>synchronous = NORMAL</c>, and any batch with a write that needs one (an event, a record) with <c>FULL</c>.
/// </summary>
public sealed class FlushPerBatchTests : IDisposable
{
    private readonly StoreHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ABatchWithoutAWriteThatNeedsAFlush_CommitsWithNormal_AndTheNextOneWithFull()
    {
        var unflushed = new SynchronousProbe(needsFlush: false);
        _harness.Store.Writer.Enqueue(unflushed);
        var withoutFlush = await unflushed.Task.WithPatience();
        var flushed = new SynchronousProbe(needsFlush: true);
        _harness.Store.Writer.Enqueue(flushed);
        var withFlush = await flushed.Task.WithPatience();

        withoutFlush.Should().Be(1, "NORMAL");
        withFlush.Should().Be(2, "FULL");
    }

    [Fact]
    public async Task WithoutFlushCommitsToDisk_EveryBatchStaysNormal()
    {
        using var harness = new StoreHarness(o => o.FlushCommitsToDisk = false);
        var flushed = new SynchronousProbe(needsFlush: true);
        harness.Store.Writer.Enqueue(flushed);

        (await flushed.Task.WithPatience()).Should().Be(1);
    }

    /// <summary>Reads the writer connection's <c>synchronous</c> inside its batch.</summary>
    private sealed class SynchronousProbe(bool needsFlush) : WriteOperation<long>
    {
        public override bool NeedsFlush => needsFlush;

        public override string Describe() => "a probe";

        protected override void Run(WriteBatch batch) => SetResult((long)batch.Command("PRAGMA synchronous;").ExecuteScalar()!);
    }
}
