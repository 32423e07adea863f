using Iteration.Streaming.EventLog;
using Iteration.Streaming.Sqlite.Tests.Fixtures;
using Iteration.Streaming.TestUtilities;

namespace Iteration.Streaming.Sqlite.Tests.EventLog;

public sealed class SqliteGenerationEventLogContractTests : GenerationEventLogContractTests, IDisposable
{
    private readonly StoreHarness _harness = new();

    protected override Task<IGenerationEventLog> CreateLogAsync() => Task.FromResult<IGenerationEventLog>(_harness.Log);

    public void Dispose() => _harness.Dispose();
}

/// <summary>
/// The contract again with a tiny live window, so that readers mostly read from the file; commits are not flushed
/// (<c>synchronous = NORMAL</c>), which changes nothing a reader sees, only how long an append waits.
/// </summary>
public sealed class SqliteGenerationEventLogFromFileContractTests : GenerationEventLogContractTests, IDisposable
{
    private readonly StoreHarness _harness = new(o =>
    {
        o.LiveWindowSize = 16;
        o.FlushCommitsToDisk = false;
    });

    protected override Task<IGenerationEventLog> CreateLogAsync() => Task.FromResult<IGenerationEventLog>(_harness.Log);

    public void Dispose() => _harness.Dispose();
}
