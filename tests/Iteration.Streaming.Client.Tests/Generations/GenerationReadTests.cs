using System.IO.Compression;
using System.Net;
using System.Text;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Generations;

/// <summary>Snapshot, file list, file, archive and cancel of a finished run (two files per phase).</summary>
public sealed class GenerationReadTests : IAsyncLifetime
{
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;
    private GenerationHandle _handle = null!;
    private List<StreamingProgressEvent> _events = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync();
        _client = _host.CreateIterationClient();
        _handle = await _client.StartAsync("Build a task app", ["User", "Task"]);
        _events = await _client.WatchAsync(_handle).CollectAsync();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<string> ReadTextAsync(Stream stream)
    {
        await using (stream)
        {
            using var reader = new StreamReader(stream, Encoding.UTF8);
            return await reader.ReadToEndAsync();
        }
    }

    [Fact]
    public async Task GetSnapshotAsync_FinishedRun_ReturnsTheTerminalEventItsIdAndTheFileCount()
    {
        var snapshot = await _client.GetSnapshotAsync(_handle);

        snapshot.GenerationId.Should().Be(_handle.GenerationId);
        snapshot.Status.Should().Be(GenerationStatus.Completed);
        snapshot.LastEventId.Should().Be(_events.Count);
        snapshot.LastEvent!.ToWire().Should().Be(_events[^1].ToWire());
        snapshot.FileCount.Should().Be((await _client.ListFilesAsync(_handle)).Files.Count);
    }

    [Fact]
    public async Task ListFilesAsync_FinishedRun_ListsEveryFileWithSizeHashAndPhase()
    {
        var list = await _client.ListFilesAsync(_handle);

        list.GenerationId.Should().Be(_handle.GenerationId);
        list.Status.Should().Be(GenerationStatus.Completed);
        list.Files.Should().Contain(f => f.Path == InstantPhaseGenerator.PathOf(1, 1) && f.Phase == 1);
        list.Files.Should().OnlyContain(f => f.Size > 0 && f.Sha256.Length == 64);
        list.Files.Select(f => f.Path).Should().BeInAscendingOrder(StringComparer.Ordinal);
    }

    [Fact]
    public async Task DownloadFileAsync_ListedFile_ReturnsItsContent()
    {
        var path = InstantPhaseGenerator.PathOf(2, 1);

        var text = await ReadTextAsync(await _client.DownloadFileAsync(_handle, path));

        text.Should().Be(InstantPhaseGenerator.ContentOf(_handle.GenerationId, 2, 1));
    }

    [Theory]
    [InlineData("phase1/Missing.cs")]
    [InlineData("PHASE1/FILE1.CS")]
    [InlineData("phase1")]
    public async Task DownloadFileAsync_PathNotListed_Throws404(string path)
    {
        var act = () => _client.DownloadFileAsync(_handle, path);

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("phase1\\File1.cs")]
    [InlineData("phase1/File\u0001.cs")]
    [InlineData("phase1/ ")]
    [InlineData("C:/Windows/win.ini")]
    [InlineData("%2e%2e/secret")]
    public async Task DownloadFileAsync_PathTheServerRefuses_Throws400WithTheReason(string path)
    {
        var act = () => _client.DownloadFileAsync(_handle, path);

        var thrown = (await act.Should().ThrowAsync<IterationApiException>()).Which;
        thrown.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        thrown.Problem!.Detail.Should().Contain("relative");
    }

    [Fact]
    public async Task DownloadArchiveAsync_FinishedRun_IsAZipOfTheListedFiles()
    {
        var listed = (await _client.ListFilesAsync(_handle)).Files.Select(f => f.Path);
        await using var zip = await _client.DownloadArchiveAsync(_handle);
        using var copy = new MemoryStream();
        await zip.CopyToAsync(copy);
        copy.Position = 0;

        using var archive = new ZipArchive(copy, ZipArchiveMode.Read);

        archive.Entries.Select(e => e.FullName).Should().BeEquivalentTo(listed);
    }

    [Fact]
    public async Task CancelAsync_FinishedRun_ReturnsFalseAndChangesNothing()
    {
        var cancelled = await _client.CancelAsync(_handle);

        cancelled.Should().BeFalse();
        (await _client.GetSnapshotAsync(_handle)).Status.Should().Be(GenerationStatus.Completed);
    }
}
