using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Events;
using Iteration.Streaming.Generation;

namespace Iteration.Streaming.AspNetCore.Tests.Live;

/// <summary>
/// <c>GET {prefix}/{id}/live</c> over Kestrel while a <see cref="ControlledPhaseGenerator"/> holds its run mid-file:
/// the exact text so far at the sequence it matches, continued exactly by the stream from that sequence.
/// </summary>
public sealed class LiveEndpointTests : IAsyncLifetime
{
    private const string Path = "src/App.tsx";

    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(generator: _generator);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>Code-like text of <paramref name="length"/> characters (1 or more), with a character outside the BMP now and then.</summary>
    internal static string Code(int length, int seed)
    {
        var random = new Random(seed);
        var text = new StringBuilder(length + 2);
        while (text.Length < length)
        {
            text.Append(random.Next(12) switch
            {
                0 => "\n",
                1 => "😀",
                2 => "é",
                _ => ((char)random.Next('a', 'z' + 1)).ToString(),
            });
        }

        // Exactly that long, and never half a surrogate pair at the end.
        return char.IsHighSurrogate(text[length - 1]) ? text.ToString(0, length - 1) + "x" : text.ToString(0, length);
    }

    private static ValueTask ReportAsync(ControlledPhase phase, string path, int offset, string text) =>
        phase.Context.Progress.ReportLiveAsync(new PhaseLiveUpdate { File = path, Offset = offset, Text = text });

    [Fact]
    public async Task Live_MidFile_AnswersTheTextSoFarAtTheLastEventsSequence()
    {
        var started = await _host.StartGenerationAsync(_client);
        await using var watcher = await LiveWatcher.OpenAsync(_client, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        var first = "export function App() {\n";
        var second = Code(10_000, 1);
        await ReportAsync(phase, Path, 0, first);
        await ReportAsync(phase, Path, first.Length, second);
        await watcher.ReadToAsync(Path, first.Length + second.Length);

        var live = await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);

        live.GenerationId.Should().Be(started.GenerationId);
        live.Status.Should().Be(GenerationStatus.Processing);
        live.Phase.Should().Be(1);
        live.CurrentFile.Should().Be(Path);
        live.Sequence.Should().Be(watcher.Sequences[^1], "the text includes every delta up to the last event");
        live.Files.Should().ContainSingle().Which.Should().BeEquivalentTo(new GenerationLiveFile
        {
            Path = Path,
            Text = first + second,
            Offset = first.Length + second.Length,
            Complete = false,
        });
        watcher.Deltas.Should().HaveCount(4, "the 10,000 characters came as three deltas of at most 4,096");
        phase.Complete();
    }

    [Fact]
    public async Task Stream_FromTheLiveSequence_ContinuesTheTextExactly()
    {
        var started = await _host.StartGenerationAsync(_client);
        await using var fromStart = await LiveWatcher.OpenAsync(_client, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        var text = Code(30_000, 2);
        await ReportAsync(phase, Path, 0, text[..12_345]);
        await fromStart.ReadToAsync(Path, 12_345);

        var (reloaded, live) = await LiveWatcher.ReloadAsync(_client, started.GenerationId, started.SseToken);
        await using (reloaded)
        {
            await ReportAsync(phase, Path, 12_345, text[12_345..20_000]);
            await ReportAsync(phase, Path, 20_000, text[20_000..]);
            await reloaded.ReadToAsync(Path, text.Length);
            await fromStart.ReadToAsync(Path, text.Length);

            live.Files.Single().Offset.Should().Be(12_345);
            reloaded.Deltas[0].Offset.Should().Be(live.Files.Single().Offset, "the first delta after the sequence starts where the live text ends");
            reloaded.Texts.Texts[Path].Should().Be(text);
            reloaded.Texts.Texts.Should().Equal(fromStart.Texts.Texts);
        }

        phase.Complete();
    }

    [Fact]
    public async Task Live_AfterAFileIsYielded_ListsItCompleteBeforeTheFileBeingWritten()
    {
        var started = await _host.StartGenerationAsync(_client);
        await using var watcher = await LiveWatcher.OpenAsync(_client, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        var done = Code(5_000, 3);
        await ReportAsync(phase, "src/a.ts", 0, done);
        phase.Yield("src/a.ts", done);
        await watcher.ReadUntilAsync(e => e.Stage == GenerationStages.PhaseProgress(1) && e.CurrentFile == "src/a.ts" && e.PartialOutput is null);
        await ReportAsync(phase, "src/b.ts", 0, "let b");
        await watcher.ReadToAsync("src/b.ts", 5);

        var live = await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);

        live.CurrentFile.Should().Be("src/b.ts");
        live.Files.Should().BeEquivalentTo(
            [
                new GenerationLiveFile { Path = "src/a.ts", Text = done, Offset = done.Length, Complete = true },
                new GenerationLiveFile { Path = "src/b.ts", Text = "let b", Offset = 5, Complete = false },
            ],
            o => o.WithStrictOrdering());
        phase.Complete();
    }

    [Fact]
    public async Task Live_OfAGeneratorThatReportsNoDeltas_HasThePhaseButNoFiles()
    {
        var started = await _host.StartGenerationAsync(_client);
        await using var watcher = await LiveWatcher.OpenAsync(_client, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        await phase.Context.Progress.ReportAsync(Path, null);
        await watcher.ReadUntilAsync(e => e.Stage == GenerationStages.PhaseProgress(1));

        var live = await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);

        live.Phase.Should().Be(1);
        live.CurrentFile.Should().BeNull("an old generator's {file, chars} carries no text to rebuild");
        live.Files.Should().BeEmpty();
        phase.Complete();
    }

    [Fact]
    public async Task Live_AtAReviewGate_HasNoPhaseAndNoFiles()
    {
        var request = new StartGenerationRequest { Prompt = "Build a task app", Entities = ["User"], Review = new ReviewRequest { AfterPhases = PhaseSelection.Of(1) } };
        using var response = await _client.PostAsJsonAsync("generations", request, IterationStreamingJson.StartGenerationRequest);
        var started = (await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationStartedResponse))!;
        await using var watcher = await LiveWatcher.OpenAsync(_client, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        await ReportAsync(phase, Path, 0, "text");
        phase.Yield(Path, "text").Complete();
        await watcher.ReadUntilAsync(e => e.Status == GenerationStatus.AwaitingInput);

        var live = await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);

        live.Status.Should().Be(GenerationStatus.AwaitingInput);
        live.Phase.Should().BeNull();
        live.CurrentFile.Should().BeNull();
        live.Files.Should().BeEmpty();
    }

    [Fact]
    public async Task Live_AfterTheRunCompleted_HasNoPhaseAndNoFiles()
    {
        var started = await _host.StartGenerationAsync(_client);
        await using var watcher = await LiveWatcher.OpenAsync(_client, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        for (var number = 1; ; number++)
        {
            await ReportAsync(phase, $"src/{number}.ts", 0, "text");
            phase.Yield($"src/{number}.ts", "text").Complete();
            if (number == phase.Context.Plan.Count)
            {
                break;
            }

            phase = await _generator.NextPhaseAsync();
        }

        await watcher.ReadUntilAsync(e => e.IsTerminal);

        var live = await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);

        live.Status.Should().Be(GenerationStatus.Completed);
        live.Phase.Should().BeNull();
        live.Files.Should().BeEmpty();
    }

    [Fact]
    public async Task Live_WhileQueued_HasNoPhaseAndNoFiles()
    {
        await using var host = await KestrelTestHost.StartAsync(o => o.MaxConcurrentGenerations = 1, generator: _generator);
        var client = host.CreateClient();
        var running = await host.StartGenerationAsync(client);
        var phase = await _generator.NextPhaseAsync();
        var queued = await host.StartGenerationAsync(client);

        var live = await LiveWatcher.GetLiveAsync(client, queued.GenerationId, queued.SseToken);

        live.Status.Should().Be(GenerationStatus.Queued);
        live.Phase.Should().BeNull();
        live.Files.Should().BeEmpty();
        phase.Context.GenerationId.Should().Be(running.GenerationId);
        phase.Complete();
    }

    [Fact]
    public async Task Live_OfARunNoInstanceHoldsWithoutAPlan_HasNoPhase()
    {
        // A record that says processing, but no run here and nothing planned: the checkpoint path answers nothing live.
        var (id, token) = await _host.CreateGenerationLogAsync();

        var live = await LiveWatcher.GetLiveAsync(_client, id, token);

        live.GenerationId.Should().Be(id);
        live.Status.Should().Be(GenerationStatus.Processing);
        live.Phase.Should().BeNull();
        live.Sequence.Should().Be(0);
        live.Files.Should().BeEmpty();
    }

    [Fact]
    public async Task Live_WithTheReadTokenInTheQuery_Answers200()
    {
        var started = await _host.StartGenerationAsync(_client);
        var phase = await _generator.NextPhaseAsync();
        await ReportAsync(phase, Path, 0, "abc");

        using var response = await _client.GetAsync($"generations/{started.GenerationId}/live?token={started.SseToken}");
        var live = await response.Content.ReadFromJsonAsync(IterationStreamingJson.GenerationLive);

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        live!.Files.Single().Text.Should().Be("abc");
        phase.Complete();
    }

    [Fact]
    public async Task Live_OfAnUnknownGeneration_Answers401NotRevealingWhetherItExists()
    {
        // A well-signed token of an id no record knows: the same answer as for an expired one, never a 404 that says
        // whether the id exists (GenerationAccess answers 404 only once access is granted).
        var id = Guid.NewGuid().ToString();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{id}/live");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _host.Tokens.IssueToken(id));

        using var response = await _client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Unauthorized)).Should().Contain("no longer exists");
    }

    [Fact]
    public async Task Live_WithTheTokenOfAnotherRunningGeneration_Answers403()
    {
        var mine = await _host.StartGenerationAsync(_client);
        var phase = await _generator.NextPhaseAsync();
        var other = await _host.StartGenerationAsync(_client);
        var otherPhase = await _generator.NextPhaseAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, $"generations/{mine.GenerationId}/live");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", other.SseToken);

        using var response = await _client.SendAsync(request);

        (await response.ShouldBeProblemAsync(HttpStatusCode.Forbidden)).Should().Contain("another generation");
        phase.Complete();
        otherPhase.Complete();
    }

    [Fact]
    public async Task Live_Served_LogsItsStableEventIdWithoutTheText()
    {
        var started = await _host.StartGenerationAsync(_client);
        var phase = await _generator.NextPhaseAsync();
        await ReportAsync(phase, Path, 0, "const secretLooking = 42;");

        await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);

        var served = _host.Logs.GetSnapshot().Where(r => r.Id.Id == 2080).Should().ContainSingle().Subject;
        served.Message.Should().Contain(started.GenerationId).And.Contain("phase 1").And.NotContain("secretLooking");
        _host.Logs.GetSnapshot().Should().NotContain(r => r.Message.Contains(started.SseToken, StringComparison.Ordinal));
        phase.Complete();
    }
}
