using Iteration.Streaming.EventLog;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.EventLog;

public sealed class InMemoryGenerationEventLogContractTests : GenerationEventLogContractTests, IDisposable
{
    private readonly InMemoryGenerationEventLog _log = new(
        new StaticOptionsMonitor<IterationStreamingOptions>(new IterationStreamingOptions()),
        new FakeTimeProvider());

    protected override Task<IGenerationEventLog> CreateLogAsync() => Task.FromResult<IGenerationEventLog>(_log);

    public void Dispose() => _log.Dispose();
}
