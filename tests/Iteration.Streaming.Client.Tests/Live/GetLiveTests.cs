using System.Net;
using System.Text;
using Iteration.Streaming.Client.Tests.Infrastructure;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.Client.Tests.Live;

/// <summary>
/// <see cref="IterationClient.GetLiveAsync(GenerationHandle, CancellationToken)"/> against the real endpoint while a
/// <see cref="ControlledPhaseGenerator"/> holds the run mid-file, continued by the watch from its sequence.
/// </summary>
public sealed class GetLiveTests : IAsyncLifetime
{
    private const string Path = "src/App.tsx";

    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private IterationClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(generator: _generator);
        _client = _host.CreateIterationClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    private static string Code(int length)
    {
        var text = new StringBuilder(length);
        for (var i = 0; text.Length < length; i++)
        {
            text.Append(i % 97 == 0 ? "😀" : i % 31 == 0 ? "\n" : ((char)('a' + (i % 26))).ToString());
        }

        return text.ToString(0, length);
    }

    private static ValueTask ReportAsync(ControlledPhase phase, string path, int offset, string text) =>
        phase.Context.Progress.ReportLiveAsync(new PhaseLiveUpdate { File = path, Offset = offset, Text = text });

    /// <summary>Reads the watch, applying each event, until the delta of <paramref name="path"/> that ends at <paramref name="length"/>.</summary>
    private static async Task ReadToAsync(IAsyncEnumerator<StreamingProgressEvent> events, GenerationLiveText texts, string path, int length)
    {
        while (true)
        {
            (await events.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
            texts.Apply(events.Current).Should().NotBe(GenerationLiveTextChange.Gap);
            if (events.Current.Stage.EndsWith("_progress", StringComparison.Ordinal) && texts.CurrentFile == path && texts.LengthOf(path) == length)
            {
                return;
            }
        }
    }

    [Fact]
    public async Task GetLiveAsync_MidFile_ReturnsTheTextSoFarWhichTheWatchFromItsSequenceContinuesExactly()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        var fromStart = new GenerationLiveText();
        await using var watch = _client.WatchAsync(handle).GetAsyncEnumerator();
        var phase = await _generator.NextPhaseAsync();
        var text = Code(25_000);
        await ReportAsync(phase, Path, 0, text[..9_000]);
        await ReadToAsync(watch, fromStart, Path, 9_000);

        var live = await _client.GetLiveAsync(handle);
        var reloaded = new GenerationLiveText();
        reloaded.Load(live);
        await using var resumed = _client.WatchAsync(handle, live.Sequence).GetAsyncEnumerator();
        await ReportAsync(phase, Path, 9_000, text[9_000..]);
        await ReadToAsync(resumed, reloaded, Path, text.Length);
        await ReadToAsync(watch, fromStart, Path, text.Length);

        live.Phase.Should().Be(1);
        live.CurrentFile.Should().Be(Path);
        live.Files.Single().Text.Should().Be(text[..9_000]);
        reloaded.TryGetText(Path, out var rebuilt).Should().BeTrue();
        rebuilt.Should().Be(text);
        fromStart.TryGetText(Path, out var watched).Should().BeTrue();
        watched.Should().Be(text);
        phase.Complete();
    }

    [Fact]
    public async Task GetLiveAsync_WithIdAndToken_ReadsTheSameState()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        var phase = await _generator.NextPhaseAsync();
        await ReportAsync(phase, Path, 0, "export const a = 1;");

        var live = await _client.GetLiveAsync(handle.GenerationId, handle.Token);

        live.GenerationId.Should().Be(handle.GenerationId);
        live.Files.Single().Text.Should().Be("export const a = 1;");
        phase.Complete();
    }

    [Fact]
    public async Task GetLiveAsync_AtAReviewGate_HasNoPhaseAndNoFiles()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"], new Contracts.ReviewRequest { AfterPhases = Contracts.PhaseSelection.Of(1) });
        await using var watch = _client.WatchAsync(handle).GetAsyncEnumerator();
        (await _generator.NextPhaseAsync()).Yield(Path, "x").Complete();
        do
        {
            (await watch.MoveNextAsync().AsTask().WithPatience()).Should().BeTrue();
        }
        while (watch.Current.Status != GenerationStatus.AwaitingInput);

        var live = await _client.GetLiveAsync(handle);

        live.Status.Should().Be(GenerationStatus.AwaitingInput);
        live.Phase.Should().BeNull();
        live.Files.Should().BeEmpty();
    }

    [Fact]
    public async Task GetLiveAsync_TokenOfAnotherGeneration_Throws403()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        var phase = await _generator.NextPhaseAsync();
        var other = await _client.StartAsync("Build another app", ["User"]);
        var otherPhase = await _generator.NextPhaseAsync();

        var act = () => _client.GetLiveAsync(new GenerationHandle(handle.GenerationId, other.Token));

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Forbidden);
        phase.Complete();
        otherPhase.Complete();
    }

    [Fact]
    public async Task GetLiveAsync_ForgedToken_Throws401()
    {
        var handle = await _client.StartAsync("Build a task app", ["User"]);
        var phase = await _generator.NextPhaseAsync();
        var forged = handle.Token[..^3] + (handle.Token[^3] == 'A' ? "BAA" : "AAA");

        var act = () => _client.GetLiveAsync(handle.GenerationId, forged);

        (await act.Should().ThrowAsync<IterationApiException>()).Which.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        phase.Complete();
    }
}
