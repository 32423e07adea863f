using Iteration.Streaming.Files;
using Microsoft.Extensions.DependencyInjection;

namespace Iteration.Streaming.Sample.Web.Tests.Server;

public sealed class BlobStorageSwitchTests
{
    private static string Database => "--Sample:Database=" + Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N"), "db.db");

    [Fact]
    public async Task WithoutBlobStorage_FilesStayInTheFolder()
    {
        await using var app = SampleHost.Build([Database]);

        app.Services.GetRequiredService<IFileSink>().GetType().Name.Should().Be("FileSystemFileSink");
    }

    [Theory]
    [InlineData("--IterationStreaming:BlobStorage=UseDevelopmentStorage=true")]
    [InlineData("--IterationStreaming:BlobStorage:ConnectionString=UseDevelopmentStorage=true")]
    public async Task WithBlobStorage_FilesGoToTheBlobSink(string setting)
    {
        await using var app = SampleHost.Build([Database, setting, "--IterationStreaming:BlobStorage:Container=my-files"]);

        var sink = app.Services.GetRequiredService<IFileSink>();

        sink.GetType().Assembly.GetName().Name.Should().Be("Iteration.Streaming.Azure.Storage.Blobs");
    }
}
