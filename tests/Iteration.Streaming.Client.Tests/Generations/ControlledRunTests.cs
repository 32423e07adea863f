using System.Text;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;

namespace Iteration.Streaming.Client.Tests.Generations;

/// <summary>Runs the test drives step by step: watching live, cancelling, failing, files while running.</summary>
public sealed class ControlledRunTests : IAsyncLifetime
{
    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(generator: _generator);
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static async Task<StreamingProgressEvent> NextAsync(IAsyncEnumerator<StreamingProgressEvent> events, Func<StreamingProgressEvent, bool> until)
    {
        while (true)
        {
            (await events.MoveNextAsync().WithPatience()).Should().BeTrue();
            if (until(events.Current))
            {
                return events.Current;
            }
        }
    }

    [Fact]
    public async Task WatchAsync_LiveRun_YieldsEachPhaseAsTheGeneratorProducesIt()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();

        var stages = new List<string>();
        for (var phase = 1; phase <= 4; phase++)
        {
            (await _generator.NextPhaseAsync()).Yield($"src/Phase{phase}.cs", "// code").Complete();
            stages.Add((await NextAsync(events, e => e.Stage == GenerationStages.PhaseComplete(phase))).Stage);
        }

        var last = await NextAsync(events, e => e.IsTerminal);
        (await events.MoveNextAsync().WithPatience()).Should().BeFalse();
        last.Status.Should().Be(GenerationStatus.Completed);
        stages.Should().HaveCount(4);
    }

    [Fact]
    public async Task CancelAsync_RunningRun_ReturnsTrueAndTheWatchEndsCancelled()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        var phase = await _generator.NextPhaseAsync();
        var watching = _client.WatchAsync(handle).CollectAsync();

        var cancelled = await _client.CancelAsync(handle);

        cancelled.Should().BeTrue();
        var events = await watching;
        events[^1].Status.Should().Be(GenerationStatus.Cancelled);
        phase.RunCancellation.IsCancellationRequested.Should().BeTrue();
        (await _client.CancelAsync(handle)).Should().BeFalse("a cancelled run has ended");
    }

    [Fact]
    public async Task WatchAsync_RunThatFails_EndsWithTheFailedEventAndKeepsThePartialFiles()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        await NextAsync(events, e => e.Stage == GenerationStages.PhaseComplete(1));

        (await _generator.NextPhaseAsync()).Fail(new InvalidOperationException("the model gave up"));

        var last = await NextAsync(events, e => e.IsTerminal);
        last.Status.Should().Be(GenerationStatus.Failed);
        last.Error.Should().NotBeNullOrWhiteSpace();
        (await _client.ListFilesAsync(handle)).Files.Select(f => f.Path).Should().Equal("src/App.cs");
    }

    [Fact]
    public async Task ListFilesAndSnapshot_WhileRunning_ShowThePartialResult()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield("src/App.cs", "class App {}").Complete();
        var saved = await NextAsync(events, e => e.Stage == GenerationStages.PhaseComplete(1));
        var second = await _generator.NextPhaseAsync();

        var files = await _client.ListFilesAsync(handle);
        var snapshot = await _client.GetSnapshotAsync(handle);

        files.Status.Should().Be(GenerationStatus.Processing);
        files.Files.Select(f => f.Path).Should().Equal("src/App.cs");
        snapshot.Status.Should().Be(GenerationStatus.Processing);
        snapshot.FileCount.Should().Be(1);
        snapshot.LastEvent!.Progress.Should().BeGreaterThanOrEqualTo(saved.Progress);
        second.Complete();
    }

    [Fact]
    public async Task DownloadFileAsync_NameThatNeedsEscaping_ReturnsItsContent()
    {
        const string path = "docs/read me ü #1 100%.md";
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        await using var events = _client.WatchAsync(handle).GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield(path, "# Hello").Complete();
        await NextAsync(events, e => e.Stage == GenerationStages.PhaseComplete(1));

        await using var content = await _client.DownloadFileAsync(handle, path);
        using var reader = new StreamReader(content, Encoding.UTF8);

        (await reader.ReadToEndAsync()).Should().Be("# Hello");
        (await _client.ListFilesAsync(handle)).Files.Select(f => f.Path).Should().Contain(path);
        (await _generator.NextPhaseAsync()).Complete();
    }
}
