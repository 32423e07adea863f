using Iteration.Streaming.Files;
using Iteration.Streaming.Hosting;
using Iteration.Streaming.TestUtilities;
using Microsoft.Extensions.Time.Testing;

namespace Iteration.Streaming.Tests.Files;

public sealed class FileSystemFileSinkContractTests : FileSinkContractTests, IDisposable
{
    private readonly TempFolder _folder = new();

    protected override Task<IFileSink> CreateSinkAsync(IterationStreamingOptions options) =>
        Task.FromResult<IFileSink>(new FileSystemFileSink(new StaticOptionsMonitor<IterationStreamingOptions>(options), new FakeTimeProvider(), root: _folder.Path));

    public void Dispose() => _folder.Dispose();
}
