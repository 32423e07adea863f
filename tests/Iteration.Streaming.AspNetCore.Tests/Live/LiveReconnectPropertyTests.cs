using System.Net.Http.Headers;
using CsCheck;
using Iteration.Streaming.Contracts;
using Iteration.Streaming.Generation;
using Xunit.Abstractions;

namespace Iteration.Streaming.AspNetCore.Tests.Live;

/// <summary>
/// Issue 27's must-show over HTTP: whatever the delta sizes and wherever a page reloads (<c>GET /live</c> at a random
/// moment, even while a delta is being appended, then the stream after its sequence), it rebuilds exactly the texts a
/// watcher connected from the start has.
/// </summary>
public sealed class LiveReconnectPropertyTests(ITestOutputHelper output) : IAsyncLifetime
{
    /// <summary>The last delta of every scenario: both watchers read up to it.</summary>
    private const string EndMarker = "zz/end.txt";

    private readonly ControlledPhaseGenerator _generator = new();
    private KestrelTestHost _host = null!;
    private HttpClient _client = null!;

    public async Task InitializeAsync()
    {
        _host = await KestrelTestHost.StartAsync(o => o.MaxConcurrentGenerations = 64, generator: _generator);
        _client = _host.CreateClient();
    }

    public async Task DisposeAsync() => await _host.DisposeAsync();

    /// <summary>One file's deltas: mostly small (a few lines), sometimes past the 4,096 characters of one event.</summary>
    private static readonly Gen<int[]> Deltas = Gen.Frequency(
        (6, Gen.Int[0, 300]),
        (3, Gen.Int[300, 4_000]),
        (1, Gen.Int[4_000, 12_000])).Array[1, 6];

    /// <summary>1 to 3 files (each but the last finished and yielded), a reload before report k, while it is appended or not.</summary>
    private static readonly Gen<(int[][] Files, int ReloadAt, bool Concurrent, int Seed)> Scenario =
        from files in Deltas.Array[1, 3]
        from reloadAt in Gen.Int[0, files.Sum(f => f.Length)]
        from concurrent in Gen.Bool
        from seed in Gen.Int
        select (files, reloadAt, concurrent, seed);

    [Fact]
    public async Task Reload_AtARandomPointOfRandomDeltas_RebuildsExactlyTheTextsOfAWatcherFromTheStart()
    {
        var runs = 0;
        var deltas = 0;
        await Scenario.SampleAsync(async scenario =>
        {
            deltas += await RunAsync(scenario.Files, scenario.ReloadAt, scenario.Concurrent, scenario.Seed);
            runs++;
        }, iter: 40, threads: 1);

        output.WriteLine($"{runs} runs, {deltas} deltas read after a reload");
        runs.Should().Be(40);
    }

    private async Task<int> RunAsync(int[][] files, int reloadAt, bool concurrent, int seed)
    {
        var started = await _host.StartGenerationAsync(_client);
        await using var fromStart = await LiveWatcher.OpenAsync(_client, started.GenerationId, started.SseToken);
        var phase = await _generator.NextPhaseAsync();
        var truth = new Dictionary<string, string>(StringComparer.Ordinal);
        GenerationLive? live = null;
        var report = 0;
        for (var f = 0; f < files.Length; f++)
        {
            var path = $"src/file{f}.ts";
            var text = string.Empty;
            foreach (var length in files[f])
            {
                var delta = length == 0 ? string.Empty : LiveEndpointTests.Code(length, seed + report);
                var update = new PhaseLiveUpdate { File = path, Offset = text.Length, Text = delta };
                text += delta;
                if (report++ == reloadAt)
                {
                    live = await ReloadDuringAsync(phase, update, started, concurrent);
                }
                else
                {
                    await phase.Context.Progress.ReportLiveAsync(update);
                }
            }

            truth[path] = text;
            if (f < files.Length - 1)
            {
                // A finished file is yielded before the next begins, as a generator does.
                phase.Yield(path, text);
                await fromStart.ReadUntilAsync(e => e.CurrentFile == path && e.PartialOutput is null);
            }
        }

        live ??= await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);
        await phase.Context.Progress.ReportLiveAsync(new PhaseLiveUpdate { File = EndMarker, Text = "." });
        truth[EndMarker] = ".";

        await using var reloaded = await LiveWatcher.OpenAsync(_client, started.GenerationId, started.SseToken, live.Sequence);
        reloaded.Texts.Load(live);
        await reloaded.ReadToAsync(EndMarker, 1);
        await fromStart.ReadToAsync(EndMarker, 1);

        fromStart.Texts.Texts.Should().Equal(truth);
        reloaded.Texts.Texts.Should().Equal(fromStart.Texts.Texts, $"a reload before report {reloadAt} (concurrent: {concurrent}) at event {live.Sequence}");
        await CancelAsync(started);
        return reloaded.Texts.Deltas;
    }

    private async Task<GenerationLive> ReloadDuringAsync(ControlledPhase phase, PhaseLiveUpdate update, GenerationStartedResponse started, bool concurrent)
    {
        if (!concurrent)
        {
            var before = await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);
            await phase.Context.Progress.ReportLiveAsync(update);
            return before;
        }

        var reporting = phase.Context.Progress.ReportLiveAsync(update).AsTask();
        var live = await LiveWatcher.GetLiveAsync(_client, started.GenerationId, started.SseToken);
        await reporting.WithPatience();
        return live;
    }

    private async Task CancelAsync(GenerationStartedResponse started)
    {
        using var request = new HttpRequestMessage(HttpMethod.Delete, $"generations/{started.GenerationId}");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", started.ControlToken);
        using var response = await _client.SendAsync(request);
        response.IsSuccessStatusCode.Should().BeTrue();
    }
}
