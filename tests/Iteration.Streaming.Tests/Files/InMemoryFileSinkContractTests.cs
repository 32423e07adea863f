using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Files;

public sealed class InMemoryFileSinkContractTests : FileSinkContractTests
{
    protected override Task<IFileSink> CreateSinkAsync(IterationStreamingOptions options) =>
        Task.FromResult<IFileSink>(new InMemoryFileSink(new StaticOptionsMonitor<IterationStreamingOptions>(options), new FakeTimeProvider()));
}
